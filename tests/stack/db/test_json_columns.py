"""JSON columns come back from PostgreSQL as they went in: read by orjson where it reads them as
the standard library does (ops/json_read.py), integers past 64 bits still integers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from db.engine import SessionFactory
from db.models import WebhookEvent
from ops.json_read import loads


def types_of(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: types_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [types_of(v) for v in value]
    return type(value).__name__


async def test_payloads_read_back_keep_their_values_and_types(sessions: SessionFactory) -> None:
    engine = sessions.kw["bind"]
    assert engine.dialect._json_deserializer is loads
    payloads = [
        {"id": 2**70, "n": -(2**63) - 1, "f": 1.5, "e": "é\U0001f600", "z": None, "t": True},
        {"plain": [1, 2.0, "x", {"deep": [0, -0.0, 1e300]}], "id": 123456789},
    ]
    async with sessions() as session:
        for n, payload in enumerate(payloads):
            session.add(
                WebhookEvent(
                    event_type="star",
                    payload=payload,
                    signature_valid=True,
                    processed_at=datetime.now(UTC).replace(tzinfo=None),
                    delivery_id=f"json-{n}",
                    dedupe_key=f"json-key-{n}",
                    dispatch_status="ignored",
                )
            )
        await session.commit()
    async with sessions() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT payload, payload::text FROM webhook_events"
                    " WHERE delivery_id LIKE 'json-%' ORDER BY delivery_id"
                )
            )
        ).all()
    # What the standard library reads in the text PostgreSQL sends (JSONB has its own key order,
    # and makes 1e300 an integer): the same values, of the same types.
    read = [payload for payload, _ in rows]
    expected = [json.loads(as_text) for _, as_text in rows]
    assert read == expected and [types_of(r) for r in read] == [types_of(e) for e in expected]
    assert read[0]["id"] == 2**70 and read[0]["n"] == -(2**63) - 1

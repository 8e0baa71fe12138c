"""A log file's bytes are what `json.dumps(indent=2, ensure_ascii=False, default=str)` writes,
though orjson encodes them (and the standard library takes what orjson refuses)."""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from notify.log_encode import encode

EVENTS = Path(__file__).resolve().parents[2] / "fixtures" / "events"


def reference(document: Any) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n").encode()


class Status(enum.StrEnum):
    PENDING = "pending"


@dataclass
class Note:
    text: str


@pytest.mark.parametrize("name", sorted(p.name for p in EVENTS.glob("*.json")))
def test_every_recorded_payload_is_written_byte_for_byte_as_before(name: str) -> None:
    payload = json.loads((EVENTS / name).read_text())
    document = {
        "delivery_id": "d-1",
        "received_at": "2026-12-06T05:00:00+00:00",
        "payload": payload,
        "response": {"status": "accepted"},
        "workflow_ids": [],
    }
    assert encode(document) == reference(document)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 6, 5, 0, 1, 250, tzinfo=UTC),  # str(): a space, not RFC 3339's T
        datetime(2026, 12, 6, 5, 0, 1),
        date(2026, 12, 6),
        uuid.UUID("5b0c8f2e-2f8f-4d59-9a53-7b9b1f0c6a11"),
        Status.PENDING,
        Note("a dataclass goes through str() too"),
        'ünïcødé ✓ 漢字 🚀 and "quotes" \\ / \t tabs',
        {"empty": {}, "list": [], "nested": [[1, 2.5, None, True, False], {"a": [{}]}]},
        -9_223_372_036_854_775_808,
        0.1,
    ],
    ids=[
        "aware-datetime",
        "naive-datetime",
        "date",
        "uuid",
        "str-enum",
        "dataclass",
        "unicode",
        "containers",
        "int64-min",
        "float",
    ],
)
def test_values_are_written_as_the_standard_library_writes_them(value: Any) -> None:
    document = {"value": value, "list": [value]}
    assert encode(document) == reference(document)


@pytest.mark.parametrize(
    "document",
    [{"big": 2**70}, {1: "an integer key"}, {"deep": [{"big": -(2**64)}]}],
    ids=["int-over-64-bits", "non-string-key", "nested-big-int"],
)
def test_what_orjson_refuses_is_written_by_the_standard_library(
    document: dict[Any, Any],
) -> None:
    assert encode(document) == reference(document)
    assert json.loads(encode(document)) == json.loads(reference(document))


def test_text_that_is_not_unicode_still_fails_loudly() -> None:
    with pytest.raises(UnicodeEncodeError):
        encode({"lone": "\ud800"})

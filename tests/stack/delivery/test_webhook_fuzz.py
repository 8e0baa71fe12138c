"""2,000+ signed random bodies and headers through the real app: never a 5xx, a row for every
answer, and nothing Temporal refuses (every planned start goes through)."""

from __future__ import annotations

import asyncio
import copy
import json
import random
import string
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from db.engine import SessionFactory
from db.models import WebhookEvent
from delivery.row import dedupe_key
from delivery.signature import sign
from tests.support.files import EVENT_FIXTURES, load_fixture
from tests.support.waiting import eventually
from tests.support.webhooks import SECRET

DELIVERIES = 2000
EVENTS = [*EVENT_FIXTURES, "ping", "check_suite", "installation", "star"]
ODD_STRINGS = [
    "",
    "\x00",
    "\ud800",
    "\udfff",
    "a\x00b",
    "x" * 5000,
    "ai/issue-1-0123abcd",
    "refs/heads/main",
    "main",
    "completed",
    "failure",
    "labeled",
    "ai:run",
    "o/r",
    "o" * 300 + "/r",
    "blocked",
    "☃" * 100,
]
ODD_NUMBERS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    "2147483648",
    "9223372036854775808",
    "1" + "0" * 100,
    "-0",
    "1.5",
    "0",
]


class Fuzzer:
    """Seeded, so a failure can be replayed by its seed."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.fixtures = {
            (e, n): load_fixture(f"events/{n}") for e, ns in EVENT_FIXTURES.items() for n in ns
        }
        self.delivered: list[tuple[str, str]] = []

    def value(self, depth: int = 0) -> Any:
        r = self.rnd.random()
        if depth > 3 or r < 0.45:
            return self.rnd.choice(
                [None, True, False, 0, -1, 2**31, 2**63, 1.5, *ODD_STRINGS, self.text()]
            )
        if r < 0.7:
            return [self.value(depth + 1) for _ in range(self.rnd.randint(0, 3))]
        return {self.text(8): self.value(depth + 1) for _ in range(self.rnd.randint(0, 3))}

    def text(self, size: int = 20) -> str:
        alphabet = string.printable + "éß☃\x00"
        return "".join(self.rnd.choice(alphabet) for _ in range(self.rnd.randint(0, size)))

    def mutate(self, payload: Any) -> None:
        for _ in range(self.rnd.randint(1, 4)):
            target = payload
            while isinstance(target, dict) and target:
                key = self.rnd.choice(list(target))
                if not isinstance(target[key], dict) or self.rnd.random() < 0.3:
                    target[key] = self.value()
                    break
                target = target[key]

    def body(self) -> tuple[str, bytes]:
        (event, name) = self.rnd.choice(list(self.fixtures))
        payload = copy.deepcopy(self.fixtures[(event, name)])
        r = self.rnd.random()
        if r < 0.25:
            return event, json.dumps(payload).encode()
        if r < 0.65:
            self.mutate(payload)
            return event, json.dumps(payload).encode()
        if r < 0.75:  # tokens JSONB refuses, spliced in where a number goes
            text = json.dumps({**payload, "n": "__N__"})
            return event, text.replace('"__N__"', self.rnd.choice(ODD_NUMBERS)).encode()
        if r < 0.85:
            return event, json.dumps(self.value()).encode()
        if r < 0.92:
            depth = self.rnd.choice([10, 100, 900, 1200])
            opener, closer = self.rnd.choice([("[", "]"), ('{"a":', "}")])
            return event, (opener * depth + "1" + closer * depth).encode()
        return event, bytes(self.rnd.getrandbits(8) for _ in range(self.rnd.randint(0, 64)))

    def headers(self, event: str, body: bytes) -> tuple[dict[str, str], str, str, bool]:
        r = self.rnd.random()
        if r < 0.7:
            pass
        elif r < 0.85:
            event = self.rnd.choice(EVENTS)
        elif r < 0.9:
            event = ""
        else:
            event = self.ascii(self.rnd.randint(1, 300))
        if self.delivered and self.rnd.random() < 0.05:
            hook, delivery = self.rnd.choice(self.delivered)  # a redelivery
        else:
            hook = self.rnd.choice(["1001", "", "2", self.ascii(300)])
            delivery = self.rnd.choice(
                [
                    str(uuid.uuid4()),
                    str(uuid.uuid4()),
                    "",
                    str(uuid.uuid4()) + self.ascii(self.rnd.randint(0, 400)),
                ]
            )
        signed = self.rnd.random() > 0.04
        signature = sign(body, SECRET.encode()) if signed else sign(body, b"wrong-secret")
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature,
            "X-GitHub-Delivery": delivery,
            "X-GitHub-Hook-ID": hook,
        }
        if event:
            headers["X-GitHub-Event"] = event
        return headers, hook, delivery, signed

    def ascii(self, size: int) -> str:
        alphabet = string.ascii_letters + string.digits + " -_:/.\t@"
        return "".join(self.rnd.choice(alphabet) for _ in range(size))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Every answer must have its row: no per-address cap on recording unsigned deliveries here
    # (the cap has its own test in tests/stack/api/test_metrics.py).
    return {"rejected_record_per_minute": 1_000_000}


async def test_fuzz_signed_deliveries_never_5xx_and_every_answer_has_a_row(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    fuzz = Fuzzer(seed=20261123)
    answers: list[tuple[int, str, str]] = []

    async def one() -> None:
        event, body = fuzz.body()
        headers, hook, delivery, _ = fuzz.headers(event, body)
        response = await api.post("/api/webhooks/github", content=body, headers=headers)
        answers.append((response.status_code, hook, delivery))
        if response.status_code == 200 and delivery:
            fuzz.delivered.append((hook, delivery))

    loop = asyncio.get_running_loop()
    began = loop.time()
    for _ in range(DELIVERIES // 20):
        await asyncio.gather(*(one() for _ in range(20)))
    print(f"fuzz sent in {loop.time() - began:.1f} s")

    statuses = [s for s, _, _ in answers]
    figures = {
        "sent": len(answers),
        "2xx": sum(200 <= s < 300 for s in statuses),
        "4xx": sum(400 <= s < 500 for s in statuses),
        "5xx": sum(s >= 500 for s in statuses),
    }
    print("fuzz figures:", figures)
    assert figures["5xx"] == 0, [a for a in answers if a[0] >= 500][:5]
    assert figures["sent"] >= 2000 and figures["2xx"] > 500 and figures["4xx"] > 100

    accepted_keys = {
        dedupe_key(hook, delivery) for s, hook, delivery in answers if s == 200 and delivery
    }
    accepted_fresh = sum(1 for s, _, delivery in answers if s == 200 and not delivery)
    async with sessions() as session:
        stored_keys = set(
            (
                await session.exec(
                    select(WebhookEvent.dedupe_key).where(WebhookEvent.http_status == 200)
                )
            ).all()
        )
        total = (await session.exec(select(func.count()).select_from(WebhookEvent))).one()
    assert accepted_keys <= stored_keys
    # Every 4xx is its own row; 2xx rows are one per (hook, delivery) however often sent.
    assert total == figures["4xx"] + len(accepted_keys) + accepted_fresh
    print(
        "fuzz rows:", total, "redeliveries:", figures["2xx"] - len(accepted_keys) - accepted_fresh
    )

    async def settled() -> dict[str, int] | None:
        async with sessions() as session:
            query = select(WebhookEvent.dispatch_status, func.count()).group_by(
                WebhookEvent.dispatch_status
            )
            counts = {k: int(v) for k, v in (await session.exec(query)).all()}
        return None if counts.get("pending") else counts

    counts = await eventually(settled, within=60, what="fuzzed deliveries dispatched")
    print(f"fuzz dispatch: {counts} after {loop.time() - began:.1f} s")
    assert counts.get("failed", 0) == 0
    assert counts.get("dispatched", 0) > 100

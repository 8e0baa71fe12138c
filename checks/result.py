"""One check's outcome (ok / warn / FAIL, what was found, what to do) and the report's forms:
one line per check for people, JSON for machines; secret values never leave."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    """`name` says what was checked (`database`, `github octo/app hook`), `detail` what was
    found, `fix` what to do about it (empty when nothing is to be done)."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.status.value:<4}  {self.name}: {self.detail}"
        return f"{text} — {self.fix}" if self.fix else text


def ok(name: str, detail: str) -> Check:
    return Check(name, Status.OK, detail)


def warn(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, Status.WARN, detail, fix)


def fail(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, Status.FAIL, detail, fix)


def exit_status(checks: Sequence[Check]) -> int:
    """1 when any check failed, else 0 (warnings do not fail a deployment)."""
    return 1 if any(c.status is Status.FAIL for c in checks) else 0


def redact(text: str, secrets: Iterable[str]) -> str:
    """The last guard: no check should print a secret, and none gets through here."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def render_text(checks: Sequence[Check], secrets: Iterable[str] = ()) -> str:
    values = list(secrets)
    failed = sum(c.status is Status.FAIL for c in checks)
    warned = sum(c.status is Status.WARN for c in checks)
    summary = f"{len(checks)} checks: {failed} failed, {warned} warnings"
    return "\n".join([*(redact(c.line(), values) for c in checks), summary]) + "\n"


def render_json(checks: Sequence[Check], secrets: Iterable[str] = ()) -> str:
    values = list(secrets)
    document = {
        "ok": exit_status(checks) == 0,
        "checks": [
            {key: redact(str(value), values) for key, value in asdict(c).items()} for c in checks
        ],
    }
    return json.dumps(document, indent=2) + "\n"

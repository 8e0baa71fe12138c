"""Silences as the console uses them, through the HTTP contract of issue 21 (`GET/POST
/api/silences`, `DELETE /api/silences/{id}`) answered by this same app in-process: the console
depends on that contract only, not on how the notification routing stores silences. A build
without it says so (SilencesUnavailable) instead of pretending."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from starlette.types import ASGIApp

from ops.refused import Refused

STATES = ("active", "pending", "expired")
MATCHER = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>.*)$")


class SilencesUnavailable(Exception):
    """This build serves no silences (the notification routing of issue 21 is not in it)."""


class SilenceRefused(Refused):
    """The silences API refused: `status` and `reason` are its answer's."""


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: list[str]
    starts_at: str
    ends_at: str
    created_by: str
    comment: str
    state: str


def parse_matchers(text: str) -> list[str]:
    """One matcher a line (`repo="acme/api"`, `type=~"ci_.*"`); ValueError names a bad line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = MATCHER.match(line)
        if match is None or not match["value"].strip():
            raise ValueError(f'line {number}: not a matcher (name="value", !=, =~, !~)')
        value = match["value"].strip()
        if not (len(value) >= 2 and value[0] == value[-1] == '"'):
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        found.append(f"{match['name']}{match['op']}{value}")
    if not found:
        raise ValueError("give at least one matcher")
    return found


def _matcher_text(item: Any) -> str:
    if isinstance(item, dict):  # Alertmanager's API shape
        op = ("=" if item.get("isEqual", True) else "!") if not item.get("isRegex") else None
        op = op or ("=~" if item.get("isEqual", True) else "!~")
        op = "!=" if op == "!" else op
        return f'{item.get("name", "")}{op}"{item.get("value", "")}"'
    return str(item)


def _silence(data: dict[str, Any]) -> Silence:
    status = data.get("state") or data.get("status") or ""
    if isinstance(status, dict):
        status = status.get("state", "")
    return Silence(
        id=str(data.get("id", "")),
        matchers=[_matcher_text(m) for m in data.get("matchers") or []],
        starts_at=str(data.get("startsAt") or ""),
        ends_at=str(data.get("endsAt") or ""),
        created_by=str(data.get("createdBy") or ""),
        comment=str(data.get("comment") or ""),
        state=str(status),
    )


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    detail = body.get("detail") or body.get("reason") if isinstance(body, dict) else None
    return str(detail or body)[:500]


class SilenceClient:
    """The silences API of `app` (the API app this console is mounted in), with its token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._headers = {"Authorization": f"Bearer {token}"}

    def _client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self._app)
        return httpx.AsyncClient(transport=transport, base_url="http://hookflow", timeout=10)

    async def list(self, state: str) -> list[Silence]:
        async with self._client() as client:
            response = await client.get(
                "/api/silences", params={"state": state}, headers=self._headers
            )
        if response.status_code in (404, 405):
            raise SilencesUnavailable()
        if response.status_code != 200:
            raise SilenceRefused(response.status_code, _reason(response))
        body = response.json()
        items = body.get("data", []) if isinstance(body, dict) else body
        return [_silence(s) for s in items if isinstance(s, dict)]

    async def create(
        self,
        *,
        matchers: Sequence[str],
        ends_at: datetime,
        created_by: str,
        comment: str,
        ends_when_resolved: bool,
    ) -> str:
        body = {
            "matchers": list(matchers),
            "endsAt": ends_at.isoformat(),
            "createdBy": created_by,
            "comment": comment,
            "endsWhenResolved": ends_when_resolved,
        }
        async with self._client() as client:
            response = await client.post("/api/silences", json=body, headers=self._headers)
        if response.status_code == 405 or (
            response.status_code == 404 and _reason(response) == "Not Found"
        ):
            raise SilencesUnavailable()
        if response.status_code not in (200, 201):
            raise SilenceRefused(response.status_code, _reason(response))
        return str(response.json().get("id", ""))

    async def expire(self, silence_id: str) -> None:
        async with self._client() as client:
            response = await client.delete(
                f"/api/silences/{quote(silence_id, safe='')}", headers=self._headers
            )
        if response.status_code == 405 or (
            response.status_code == 404 and _reason(response) == "Not Found"
        ):
            raise SilencesUnavailable()
        if response.status_code >= 300:
            raise SilenceRefused(response.status_code, _reason(response))

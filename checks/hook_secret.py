"""Whether GitHub signs a hook's deliveries with a secret hookflow holds, found by signing what
GitHub sent (the delivery's recorded payload) with each of hookflow's secrets and comparing the
result with the signature GitHub sent: the secret itself is never read back, printed or sent."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from checks.result import Check, fail, ok, warn
from ghclient.transport import Transport

PING_WAIT_SECONDS = 10.0
# Escapes a Rails JSON encoder adds; GitHub's exact bytes are not in the delivery record, so
# each plausible encoding of its payload is signed (a match cannot happen by chance).
_RAILS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}


def candidate_bodies(payload: Any) -> list[bytes]:
    """The compact encodings GitHub may have sent for `payload`."""
    bodies = []
    for ascii_only in (False, True):
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=ascii_only)
        escaped = text
        for char, escape in _RAILS_ESCAPES.items():
            escaped = escaped.replace(char, escape)
        bodies += [text.encode(), escaped.encode()]
    return list(dict.fromkeys(bodies))


def signed_with(payload: Any, signature: str, secrets: Sequence[tuple[str, bytes]]) -> str | None:
    """The label of the secret that produced `signature` (`sha256=<hex>`), or None."""
    for label, secret in secrets:
        for body in candidate_bodies(payload):
            expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, signature.strip()):
                return label
    return None


async def _newest(api: Transport, deliveries: str) -> list[dict[str, Any]]:
    response = await api.send("GET", deliveries, params={"per_page": 30})
    rows = response.json()
    return rows if isinstance(rows, list) else []


async def _fresh_ping(api: Transport, deliveries: str, ping: str) -> dict[str, Any] | None:
    """Ask GitHub to ping the hook now; the new attempt once it is listed (None: not in time)."""
    before = {row.get("id") for row in await _newest(api, deliveries)}
    await api.send("POST", ping)
    deadline = asyncio.get_running_loop().time() + PING_WAIT_SECONDS
    while True:
        for row in await _newest(api, deliveries):
            if row.get("event") == "ping" and row.get("id") not in before:
                return row
        if asyncio.get_running_loop().time() > deadline:
            return None
        await asyncio.sleep(0.5)


async def check_hook_secret(
    api: Transport,
    name: str,
    *,
    deliveries: str,
    secrets: Sequence[tuple[str, bytes]],
    ping: str | None = None,
) -> Check:
    """`deliveries` is the hook's deliveries path; with `ping` (its pings path) GitHub is asked
    for a fresh signed delivery first, else the newest recorded one is used."""
    if not secrets:
        return warn(name, "hookflow has no usable webhook secret to compare with (see above)")
    if ping is not None:
        row = await _fresh_ping(api, deliveries, ping)
        if row is None:
            return warn(name, f"GitHub listed no ping within {PING_WAIT_SECONDS:.0f} s")
    else:
        rows = await _newest(api, deliveries)
        if not rows:
            return warn(
                name,
                "no delivery recorded in the last 3 days to compare signatures with",
                "run `hookflow check --ping` (GitHub then sends a signed ping)",
            )
        row = rows[0]
    detail = (await api.send("GET", f"{deliveries}/{int(row['id'])}")).json()
    request = detail.get("request") or {}
    headers = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
    what = f"delivery {row.get('guid')} ({row.get('event')}, {row.get('delivered_at')})"
    signature = headers.get("x-hub-signature-256")
    if not signature:
        return fail(
            name,
            f"{what} was sent unsigned: the hook has no secret",
            "set the hook's secret to the value of GITHUB_WEBHOOK_SECRET",
        )
    label = signed_with(request.get("payload"), signature, secrets)
    if label is not None and label == secrets[0][0]:
        return ok(name, f"{what} is signed with {label}")
    if label is not None:
        return warn(
            name,
            f"{what} is signed with {label}, the secret being rotated out",
            f"set the hook's secret to {secrets[0][0]} to finish the rotation",
        )
    status = int(row.get("status_code") or 0)
    if 200 <= status < 300:
        # The exact bytes are not recorded; hookflow verified them when it accepted them.
        return ok(name, f"{what} was verified and accepted by hookflow (HTTP {status})")
    answered = f"hookflow answered {status}" if status else "no answer was recorded"
    return fail(
        name,
        f"{what} is signed with a secret that is none of hookflow's ({answered})",
        f"set the hook's secret to the value of {secrets[0][0]} (Settings → Webhooks → Edit)",
    )

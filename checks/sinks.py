"""The notification sink checks: AI Maestro answers and knows the recipient, the chat webhook's
host answers. Nothing is sent: a check must not notify anyone."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from checks.result import Check, fail, ok, warn
from notify.aimaestro import messages_url
from settings import Settings

TIMEOUT_SECONDS = 5.0


async def check_sinks(settings: Settings) -> list[Check]:
    checks = []
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
        if settings.aimaestro_url.strip():
            checks.append(await _aimaestro(http, settings))
        chat_url = settings.notify_webhook_url_value()
        if chat_url and chat_url.strip():
            checks.append(await _chat(http, chat_url))
    return checks


async def _aimaestro(http: httpx.AsyncClient, settings: Settings) -> Check:
    name = "ai maestro"
    url = messages_url(settings.aimaestro_url)
    recipient = settings.aimaestro_to
    try:
        answer = await http.get(url, params={"agent": recipient, "action": "resolve"})
    except httpx.HTTPError as exc:
        return fail(
            name,
            f"{settings.aimaestro_url} unreachable: {type(exc).__name__}",
            "start AI Maestro or fix AIMAESTRO_URL (notifications to it fail meanwhile)",
        )
    if answer.status_code >= 500:
        return fail(name, f"{url} answers HTTP {answer.status_code}", "look at AI Maestro's log")
    if answer.status_code == 404 and "agent not found" in answer.text.lower():
        return warn(
            name,
            f"AI Maestro does not know the recipient {recipient!r}",
            "set AIMAESTRO_TO to a registered agent, or register it",
        )
    return ok(name, f"{settings.aimaestro_url} answers; recipient {recipient!r}")


async def _chat(http: httpx.AsyncClient, webhook_url: str) -> Check:
    # A chat webhook URL carries its credential in the path: only the host is ever shown.
    parts = urlsplit(webhook_url)
    where = f"{parts.scheme}://{parts.netloc}"
    name = "chat webhook"
    try:
        # HEAD sends no message; any HTTP answer (404, 405, 501…) shows the host is there.
        answer = await http.head(webhook_url)
    except httpx.HTTPError as exc:
        return fail(
            name,
            f"{where} unreachable: {type(exc).__name__}",
            "fix NOTIFY_WEBHOOK_URL or this host's network access to it",
        )
    if answer.status_code in (502, 503, 504):  # a proxy answers, the service behind it not
        return fail(name, f"{where} answers HTTP {answer.status_code}")
    return ok(name, f"{where} answers (HTTP {answer.status_code} to a HEAD)")

"""Deliver a notification as an AI Maestro message (`POST {AIMAESTRO_URL}/api/messages`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from notify.errors import SinkError, check_response, from_transport
from notify.render import Renderer, shipped_renderer
from routing.notifications import Notification, notification_dict

SINK = "aimaestro"

# AI Maestro knows low | normal | high | urgent; our priorities say medium for normal.
AIMAESTRO_PRIORITY = {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"}


def build_message(
    notification: Notification | Mapping[str, Any],
    *,
    sender: str,
    recipient: str,
    renderer: Renderer | None = None,
    templates: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The exact JSON body sent to AI Maestro for one notification; subject and message come
    from the aimaestro templates (`templates`: a receiver's inline overrides)."""
    n = notification_dict(notification)
    priority = AIMAESTRO_PRIORITY.get(str(n.get("priority", "")).lower(), "normal")
    context = {k: v for k, v in n.items() if k not in ("title", "summary") and v is not None}
    render = renderer or shipped_renderer()
    own = templates or {}
    return {
        "from": sender,
        "to": recipient,
        "subject": render.render(SINK, "subject", {"n": n}, inline=own.get("subject")),
        "priority": priority,
        "content": {
            "type": "notification",
            "message": render.render(SINK, "body", {"n": n}, inline=own.get("body")),
            "context": context,
        },
    }


def messages_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/api/messages"


async def send_aimaestro(
    client: httpx.AsyncClient,
    notification: Notification | Mapping[str, Any],
    *,
    base_url: str,
    sender: str,
    recipient: str,
    renderer: Renderer | None = None,
    templates: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Send one message; returns AI Maestro's answer (`{"message": {...}}` on 201)."""
    if not base_url.strip():
        raise SinkError(f"{SINK}: AIMAESTRO_URL is not set", False)
    url = messages_url(base_url)
    body = build_message(
        notification, sender=sender, recipient=recipient, renderer=renderer, templates=templates
    )
    try:
        response = await client.post(url, json=body)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise from_transport(SINK, url, exc) from exc
    check_response(SINK, response)
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}

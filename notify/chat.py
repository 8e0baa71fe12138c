"""Deliver a notification to a generic chat webhook: raw JSON or Slack-style `{"text": …}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import httpx

from notify.errors import SinkError, check_response, from_transport
from notify.render import Renderer, shipped_renderer
from routing.notifications import Notification, notification_dict

SINK = "chat"
ChatFormat = Literal["json", "slack"]


def chat_line(
    notification: Notification | Mapping[str, Any],
    *,
    renderer: Renderer | None = None,
    templates: Mapping[str, str] | None = None,
) -> str:
    """One readable line: priority, type, repo, summary, url (the slack body template)."""
    n = notification_dict(notification)
    render = renderer or shipped_renderer()
    return render.render("slack", "body", {"n": n}, inline=(templates or {}).get("body"))


def build_chat_body(
    notification: Notification | Mapping[str, Any],
    fmt: ChatFormat,
    *,
    renderer: Renderer | None = None,
    templates: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The exact JSON body posted for one notification."""
    if fmt == "slack":
        return {"text": chat_line(notification, renderer=renderer, templates=templates)}
    if fmt == "json":
        n = notification_dict(notification)
        render = renderer or shipped_renderer()
        inline = (templates or {}).get("summary")
        if inline is not None or (renderer is not None and renderer.has_overrides):
            n["summary"] = render.render("json", "summary", {"n": n}, inline=inline)
        return n
    raise SinkError(f"{SINK}: unknown NOTIFY_WEBHOOK_FORMAT {fmt!r} (use json or slack)", False)


async def send_chat(
    client: httpx.AsyncClient,
    notification: Notification | Mapping[str, Any],
    *,
    url: str,
    fmt: ChatFormat = "json",
    renderer: Renderer | None = None,
    templates: Mapping[str, str] | None = None,
) -> None:
    """Post one notification; any 2xx is success."""
    if not url.strip():
        raise SinkError(f"{SINK}: NOTIFY_WEBHOOK_URL is not set", False)
    body = build_chat_body(notification, fmt, renderer=renderer, templates=templates)
    try:
        response = await client.post(url, json=body)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise from_transport(SINK, url, exc) from exc
    check_response(SINK, response)

"""Deliver a notification to a generic chat webhook: raw JSON or Slack-style `{"text": …}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import httpx

from notify.errors import SinkError, check_response, from_transport
from routing.notifications import Notification, notification_dict

SINK = "chat"
ChatFormat = Literal["json", "slack"]


def chat_line(notification: Notification | Mapping[str, Any]) -> str:
    """One readable line: priority, type, repo, summary, url."""
    n = notification_dict(notification)
    repo = n.get("repo") or ""
    text = str(n.get("summary") or n.get("title") or "")
    # Summaries already start with the repo; say it once.
    text = text.removeprefix(f"{repo}: ") if repo else text
    line = f"[{str(n.get('priority', '')).upper()}] {n.get('type', 'notification')} {repo}: {text}"
    url = n.get("url")
    return f"{line} {url}" if url else line


def build_chat_body(
    notification: Notification | Mapping[str, Any], fmt: ChatFormat
) -> dict[str, Any]:
    """The exact JSON body posted for one notification."""
    if fmt == "slack":
        return {"text": chat_line(notification)}
    if fmt == "json":
        return notification_dict(notification)
    raise SinkError(f"{SINK}: unknown NOTIFY_WEBHOOK_FORMAT {fmt!r} (use json or slack)", False)


async def send_chat(
    client: httpx.AsyncClient,
    notification: Notification | Mapping[str, Any],
    *,
    url: str,
    fmt: ChatFormat = "json",
) -> None:
    """Post one notification; any 2xx is success."""
    if not url.strip():
        raise SinkError(f"{SINK}: NOTIFY_WEBHOOK_URL is not set", False)
    body = build_chat_body(notification, fmt)
    try:
        response = await client.post(url, json=body)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise from_transport(SINK, url, exc) from exc
    check_response(SINK, response)

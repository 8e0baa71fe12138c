"""Notifications: type, priority, receivers and status, and "Silence similar…"."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from api.console.deps import ViewerDep, WindowDep
from api.console.links import http_url
from api.console.listing import pager_links
from api.console.render import render
from api.console.views.notifications import labels, overall_status, receivers, silence_matchers
from api.deps import SessionDep
from queries.notifications import notification_filters, notification_page
from routing.notifications import PRIORITIES

router = APIRouter()


@router.get("/notifications")
async def notifications(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    window: WindowDep,
    type: str = "",  # noqa: A002 - the public filter name
    priority: str = "",
    repo: str = "",
) -> Response:
    """Notifications, newest first."""
    if any(len(v) > 300 for v in (type, priority, repo)):
        raise HTTPException(400, "filters: at most 300 characters each")
    where = notification_filters(type=type, priority=priority, repo=repo)
    page = await notification_page(session, where, **window)
    items = []
    for n in page.rows:
        found = receivers(n.sink_status)
        named = labels(n.details, type_=n.type, priority=n.priority, repo=n.repo, event=n.event)
        silence = urlencode([("matcher", m) for m in silence_matchers(named)])
        url = n.details.get("url") if isinstance(n.details, dict) else None
        items.append(
            {
                "row": n,
                "receivers": found,
                # The row's status at its receiver (sent, silenced, muted, held, failed); rows
                # from before receivers have only their sinks' states.
                "status": n.status or overall_status(found),
                "labels": named,
                "silence": silence,
                "url": http_url(url),
            }
        )
    filters = {"type": type, "priority": priority, "repo": repo}
    keep = [(k, v) for k, v in filters.items() if v]
    return render(
        request,
        "notifications.html",
        items=items,
        page=page,
        filters=filters,
        priorities=PRIORITIES,
        **pager_links(page, keep),
    )

"""The overview: deliveries per minute and their outcome over the last hour, the outbox, runs
by status and notifications by status, as inline SVG charts."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console.deps import ViewerDep
from api.console.render import render
from api.console.views.charts import bars, per_minute
from api.console.views.notifications import overall_status, receivers
from api.deps import SessionDep
from contract.statuses import RunStatus
from queries.deliveries import outbox_counts, outcomes_per_minute
from queries.notifications import recent_sink_states
from queries.runs import runs_by_status

router = APIRouter()
NOTIFICATION_WINDOW = timedelta(hours=24)


@router.get("/")
async def overview(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """What hookflow is doing, at a glance."""
    now = datetime.now(UTC)
    minutes = per_minute(await outcomes_per_minute(session, now), now)
    outbox = await outbox_counts(session)
    runs = await runs_by_status(session)
    states = await recent_sink_states(session, now - NOTIFICATION_WINDOW)
    notified = Counter(overall_status(receivers(s)) for s in states)
    return render(
        request,
        "overview.html",
        minutes=minutes,
        outbox=bars(outbox, ("pending", "failed")),
        outbox_counts=outbox,
        runs=bars(runs, [s.value for s in RunStatus]),
        notifications=bars(dict(notified), ("sent", "pending", "failed")),
        notification_total=len(states),
    )

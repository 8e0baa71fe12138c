"""The delivery list (filters, keyset pages) and "Retry all failed matching this filter"."""

from __future__ import annotations

import dataclasses
import logging

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from api.console.deps import ActorDep, ViewerDep, WindowDep
from api.console.listing import EVENTS, STATUSES, read_filter
from api.console.render import render
from api.deps import AppStateDep, SessionDep
from contract.statuses import DispatchStatus
from delivery.retry import retry_matching
from queries.deliveries import count_matching, delivery_page

log = logging.getLogger("hookflow.console")
router = APIRouter()
RETRY_ALL_LIMIT = 500  # deliveries one confirmation retries (oldest first)


@router.get("/deliveries")
async def deliveries(
    request: Request, session: SessionDep, viewer: ViewerDep, window: WindowDep
) -> Response:
    """Recorded deliveries, newest first."""
    listing = read_filter(request.query_params)
    page = await delivery_page(session, listing.where, **window)
    return render(
        request,
        "deliveries.html",
        listing=listing,
        page=page,
        older=listing.params(before=page.older.encode()) if page.older else None,
        newer=listing.params(after=page.newer.encode()) if page.newer else None,
        statuses=STATUSES,
        events=EVENTS,
    )


def _failed_only(request_fields: dict[str, str]) -> dict[str, str]:
    return {**request_fields, "status": DispatchStatus.FAILED.value}


@router.get("/deliveries/retry-failed")
async def confirm_retry_all(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """How many failed deliveries the filter matches, and the button that retries them."""
    listing = read_filter(_failed_only(dict(request.query_params)))
    count = 0 if listing.errors else await count_matching(session, listing.where)
    return render(request, "retry_all.html", listing=listing, count=count, limit=RETRY_ALL_LIMIT)


@router.post("/deliveries/retry-failed")
async def retry_all(request: Request, state: AppStateDep, viewer: ActorDep) -> Response:
    """Make every failed delivery matching the filter pending again (at most RETRY_ALL_LIMIT)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    listing = read_filter(_failed_only(fields))
    if listing.errors:
        raise HTTPException(400, "; ".join(listing.errors))
    where = dataclasses.replace(listing.where, status=None)
    tally = await retry_matching(state.sessions, where.clauses(), limit=RETRY_ALL_LIMIT)
    if tally.retried:
        state.dispatcher.wake()
    log.info(
        "console: retried %d failed deliveries (%s), %d refused",
        tally.retried,
        listing.described,
        len(tally.refused),
    )
    return render(request, "retry_all_done.html", listing=listing, tally=tally)

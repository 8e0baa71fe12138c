"""GET /metrics: the API's Prometheus metrics (bearer METRICS_TOKEN when set)."""

from __future__ import annotations

import asyncio
import logging
import secrets as pysecrets

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.exposition import generate_latest

from api.deps import AppStateDep

log = logging.getLogger("hookflow.metrics")
router = APIRouter(tags=["metrics"])
# Prometheus scrapes time out after 10 s by default; the outbox gauges must not take them down.
OUTBOX_QUERY_TIMEOUT = 2.0


def _check_token(request: Request, expected: str | None) -> None:
    if not expected:
        return
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not pysecrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"}
        )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, state: AppStateDep) -> Response:
    """Prometheus metrics (bearer METRICS_TOKEN when set)."""
    _check_token(request, state.secrets.metrics_token)
    try:
        await asyncio.wait_for(state.metrics.refresh_outbox(state.sessions), OUTBOX_QUERY_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - e.g. database down: serve the rest, gauges stale
        log.warning("outbox gauges not refreshed: %s", type(exc).__name__)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

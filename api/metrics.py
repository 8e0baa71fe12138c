"""GET /metrics: the API's Prometheus metrics (bearer METRICS_TOKEN when set)."""

from __future__ import annotations

import secrets as pysecrets

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.exposition import generate_latest

from api.deps import AppStateDep

router = APIRouter(tags=["metrics"])


def _check_token(request: Request, expected: str | None) -> None:
    if not expected:
        return
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not pysecrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "missing or invalid bearer token",
                            headers={"WWW-Authenticate": "Bearer"})


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, state: AppStateDep) -> Response:
    """Prometheus metrics (bearer METRICS_TOKEN when set)."""
    _check_token(request, state.settings.metrics_token_value())
    await state.metrics.refresh_outbox(state.sessions)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

"""POST /api/webhooks/github (and `/`, `/webhook/{owner}/{repo}`, `/webhook/{name}`): hand the
delivery to the pipeline (delivery/receive.py) with the secrets its path verifies against;
count its outcome."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import AppStateDep
from api.instruments import delivery_outcome
from delivery.path_repo import resolve_short_name
from delivery.receive import receive
from delivery.row import Outcome
from ops.log_context import log_context
from routing import fields as f

log = logging.getLogger("hookflow.webhooks")
router = APIRouter(tags=["webhooks"])


def _response(outcome: Outcome) -> JSONResponse:
    return JSONResponse(outcome.body, status_code=outcome.status_code)


async def handle_delivery(
    request: Request,
    state: AppStateDep,
    *,
    secrets: list[bytes],
    path_repo: str | None = None,
) -> JSONResponse:
    """Every line logged for this delivery carries its id; its outcome and time are counted."""
    started = time.perf_counter()
    event = f.clean(request.headers.get("x-github-event") or "") or None
    with log_context(
        delivery_id=f.fit(f.clean(request.headers.get("x-github-delivery") or ""), 100) or None
    ):
        outcome = await receive(
            state.intake,
            request.headers,
            request.stream(),
            client=request.client.host if request.client else "unknown",
            secrets=secrets,
            path_repo=path_repo,
        )
    state.metrics.delivery(
        event,
        delivery_outcome(
            outcome.status_code, outcome.body.get("status"), redelivery=outcome.redelivery
        ),
        time.perf_counter() - started,
    )
    return _response(outcome)


@router.post("/api/webhooks/github")
async def github_webhook(request: Request, state: AppStateDep) -> JSONResponse:
    """Receive a GitHub webhook delivery."""
    return await handle_delivery(request, state, secrets=state.secrets.webhook_secrets)


@router.post("/", include_in_schema=True)
async def github_webhook_root(request: Request, state: AppStateDep) -> JSONResponse:
    """Receive a GitHub webhook delivery at the root payload URL."""
    return await handle_delivery(request, state, secrets=state.secrets.webhook_secrets)


@router.post("/webhook/{owner}/{repo}")
async def github_webhook_for_repo(
    owner: str, repo: str, request: Request, state: AppStateDep
) -> JSONResponse:
    """Receive a delivery for one repository, verified with that repository's secret."""
    full_name = f"{owner}/{repo}"
    secrets = state.secrets.repo_secrets(full_name) or state.secrets.webhook_secrets
    return await handle_delivery(request, state, secrets=secrets, path_repo=full_name)


@router.post("/webhook/{name}")
async def github_webhook_for_name(name: str, request: Request, state: AppStateDep) -> JSONResponse:
    """Receive a delivery for the one configured repository with this short name (seed 002)."""
    found = resolve_short_name(name, state.secrets.known_repos(), state.settings.allowed_repo_set)
    if found.full_name is None:
        return JSONResponse({"status": "rejected", "reason": found.reason}, status_code=404)
    secrets = state.secrets.repo_secrets(found.full_name) or state.secrets.webhook_secrets
    return await handle_delivery(request, state, secrets=secrets, path_repo=found.full_name)

"""Liveness and readiness probes (no token)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import AppStateDep
from ops.version import VERSION
from queries.deliveries import outbox_counts

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up; `version` is the running hookflow's."""
    return {"status": "ok", "version": VERSION}


@router.get("/readyz")
async def readyz(state: AppStateDep) -> JSONResponse:
    """The database and Temporal are reachable; `deliveries` counts pending and failed ones;
    `secrets` says where the secrets come from and whether Vault's are current."""
    checks: dict[str, str] = {}
    deliveries: dict[str, int] = {}
    try:
        async with asyncio.timeout(3):
            async with state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            deliveries = await _delivery_counts(state)
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        async with asyncio.timeout(3):
            await state.temporal.service_client.check_health()
        checks["temporal"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["temporal"] = f"unavailable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    # Failed deliveries do not make the service unready: they need an operator, not a restart.
    return JSONResponse(
        {
            "status": "ready" if ready else "unavailable",
            "checks": checks,
            "deliveries": deliveries,
            # A Vault outage does not make the API unready: it keeps the last good secrets.
            "secrets": state.secrets.status(),
        },
        status_code=200 if ready else 503,
    )


async def _delivery_counts(state: AppStateDep) -> dict[str, int]:
    async with state.sessions() as session:
        return await outbox_counts(session)

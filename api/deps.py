"""Shared dependencies: the application state built once at start-up, sessions, the token."""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.instruments import ApiMetrics
from db.engine import SessionFactory
from delivery.dispatcher import Dispatcher
from delivery.receive import Intake
from delivery.record_batch import IngestBatch
from delivery.rejected_cap import RejectedCap
from delivery.replay import ReplayDeps
from routing.decision import RoutingConfig
from settings import Settings
from vault.provider import SecretProvider


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    temporal: Client
    dispatcher: Dispatcher
    routing: RoutingConfig
    metrics: ApiMetrics
    rejected_cap: RejectedCap
    intake: Intake  # the pipeline's entrance (delivery/receive.py)
    secrets: SecretProvider  # webhook secrets and tokens as they are now (Vault re-read)
    ingest_batch: IngestBatch | None = None  # group commit; None records one at a time

    def replay_deps(self) -> ReplayDeps:
        """What replaying a recorded delivery needs (the API's replay and the console's)."""
        timeout = self.settings.dispatch_inline_timeout.total_seconds()  # inline start
        return ReplayDeps(self.sessions, self.temporal, self.routing, self.dispatcher, timeout)


async def get_state(request: Request) -> AppState:
    # async: FastAPI runs a plain `def` dependency in a thread pool, a hand-off per request.
    # The console is an app mounted into the API's (`state.parent`): the API's state serves both.
    app = getattr(request.app.state, "parent", request.app)
    state: AppState = app.state.hookflow
    return state


AppStateDep = Annotated[AppState, Depends(get_state)]


async def get_session(state: AppStateDep) -> AsyncIterator[AsyncSession]:
    async with state.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False)


def require_token(
    state: AppStateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    expected = state.secrets.api_token
    given = credentials.credentials if credentials else ""
    if not expected or not pysecrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or invalid bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


TokenDep = Depends(require_token)

"""Runs and their artifacts as operators look them up (the API and the console)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Unpack

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Run, RunArtifact
from queries.keyset import Page, Window, model_page
from queries.match import matching


def run_filters(*, repo: str | None = None, status: str | None = None) -> list[ColumnElement[bool]]:
    return matching((Run.repo, repo), (Run.status, status and status.upper()))


async def run_page(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], **window: Unpack[Window]
) -> Page[Run]:
    return await model_page(session, Run, where, newest=Run.created_at, **window)


async def run_artifacts(session: AsyncSession, run_id: uuid.UUID) -> list[RunArtifact]:
    """A run's artifacts, oldest first."""
    query = (
        select(RunArtifact)
        .where(col(RunArtifact.run_id) == run_id)
        .order_by(col(RunArtifact.created_at), col(RunArtifact.name))
    )
    return list((await session.execute(query)).scalars().all())


async def runs_by_status(session: AsyncSession) -> dict[str, int]:
    query = select(col(Run.status), func.count()).group_by(col(Run.status))
    return {str(s): int(n) for s, n in (await session.execute(query)).all()}

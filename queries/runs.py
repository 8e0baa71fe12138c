"""Runs and their artifacts as operators look them up (the API and the console)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Run, RunArtifact
from queries.keyset import Cursor, Page, keyset_page
from queries.match import matching


def run_filters(*, repo: str | None = None, status: str | None = None) -> list[ColumnElement[bool]]:
    return matching((Run.repo, repo), (Run.status, status and status.upper()))


async def run_page(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
    limit: int = 50,
) -> Page[Run]:
    page = await keyset_page(
        session,
        select(Run).where(*where),
        time_col=col(Run.created_at),
        id_col=col(Run.id),
        key=lambda r: Cursor(r[0].created_at, r[0].id),
        before=before,
        after=after,
        limit=limit,
    )
    return Page([r[0] for r in page.rows], page.older, page.newer)


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

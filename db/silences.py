"""Silence rows: create, list by state, expire, and what the notification activities read and
note (the active silences, the CI groups each one keeps quiet)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from contract.statuses import SilenceState
from db.models import Silence
from db.types import as_utc
from notify.matchers import MatcherError
from notify.silences import SilenceView, Window, silence_matchers

log = logging.getLogger("hookflow.silences")

GROUP_RED = "red"
GROUP_RESOLVED = "resolved"


def state_of(silence: Silence, now: datetime) -> SilenceState:
    return Window(as_utc(silence.starts_at), as_utc(silence.ends_at)).state(now)


def _state_filter(state: SilenceState, now: datetime) -> list[object]:
    starts, ends = col(Silence.starts_at), col(Silence.ends_at)
    if state == SilenceState.PENDING:
        return [starts > now]
    if state == SilenceState.ACTIVE:
        return [starts <= now, ends > now]
    return [ends <= now]


async def list_silences(
    session: AsyncSession,
    *,
    now: datetime,
    state: SilenceState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[Sequence[Silence], int]:
    """Silences (of one state), the latest to end first; and how many match in all."""
    filters = _state_filter(state, now) if state else []
    query = (
        select(Silence)
        .where(*filters)  # type: ignore[arg-type]
        .order_by(col(Silence.ends_at).desc(), col(Silence.id))
        .offset(offset)
        .limit(limit)
    )
    rows = (await session.exec(query)).all()
    count = select(func.count()).select_from(Silence).where(*filters)  # type: ignore[arg-type]
    return rows, (await session.exec(count)).one()


async def active_views(session: AsyncSession, now: datetime) -> list[SilenceView]:
    """The silences active at `now`, as the routing decision reads them."""
    query = select(Silence).where(*_state_filter(SilenceState.ACTIVE, now))  # type: ignore[arg-type]
    views = []
    for row in (await session.exec(query)).all():
        try:
            matchers = silence_matchers(row.matchers)
        except MatcherError as exc:  # stored by an older version with other rules: say so
            log.warning("silence %s ignored: %s", row.id, exc)
            continue
        views.append(
            SilenceView(
                as_utc(row.starts_at),
                as_utc(row.ends_at),
                id=str(row.id),
                matchers=matchers,
                ends_when_resolved=row.ends_when_resolved,
            )
        )
    return views


async def _locked(session: AsyncSession, silence_id: str) -> Silence | None:
    try:
        key = uuid.UUID(silence_id)
    except ValueError:
        return None
    query = select(Silence).where(Silence.id == key)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update()  # groups note themselves concurrently
    return (await session.exec(query)).first()


def end_now(silence: Silence, now: datetime, reason: str) -> None:
    """Expire it at `now` (a pending one never starts)."""
    if as_utc(silence.starts_at) > now:
        silence.starts_at = now
    silence.ends_at = now
    silence.ended_reason = reason[:500]
    silence.updated_at = now


async def note_groups(session: AsyncSession, silence_id: str, workflow_ids: list[str]) -> None:
    """These red CI groups were kept quiet by the silence."""
    row = await _locked(session, silence_id)
    if row is None:
        return
    groups = dict(row.groups)
    for wf in workflow_ids:
        groups[wf] = GROUP_RED
    if groups != row.groups:
        row.groups = groups
        session.add(row)
    await session.commit()


async def resolve_group(
    session: AsyncSession, workflow_id: str, silence_ids: list[str], now: datetime
) -> list[str]:
    """The group turned green: mark it in each silence, and end the `endsWhenResolved` ones
    whose groups are all green. Returns the ids it ended."""
    ended = []
    for silence_id in silence_ids:
        row = await _locked(session, silence_id)
        if row is None:
            continue
        groups = {**row.groups, workflow_id: GROUP_RESOLVED}
        row.groups = groups
        active = state_of(row, now) != SilenceState.EXPIRED
        if row.ends_when_resolved and active and all(v == GROUP_RESOLVED for v in groups.values()):
            end_now(row, now, f"resolved: {workflow_id}"[:500])
            ended.append(silence_id)
        session.add(row)
        await session.commit()
    return ended

"""Silences: create, list, read and expire them (Alertmanager's silences, behind the token)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from temporalio.client import Client
from temporalio.service import RPCError

from api.deps import AppStateDep, SessionDep, TokenDep
from api.public import Page
from api.query import Limit, Offset
from contract.names import Signal
from contract.statuses import SilenceState
from db.models import Silence
from db.silences import GROUP_RED, end_now, list_silences, state_of
from db.types import as_utc
from notify.matchers import MatcherError
from notify.silences import MAX_MATCHERS, silence_matchers

log = logging.getLogger("hookflow.silences")

router = APIRouter(prefix="/api/silences", tags=["silences"], dependencies=[TokenDep])


class SilenceIn(BaseModel):
    matchers: list[str] = Field(min_length=1, max_length=MAX_MATCHERS)
    startsAt: datetime | None = None  # default: now
    endsAt: datetime
    createdBy: str = Field(min_length=1, max_length=200)
    comment: str = Field(min_length=1, max_length=2000)
    endsWhenResolved: bool = False


class SilencePublic(BaseModel):
    id: uuid.UUID
    matchers: list[str]
    startsAt: datetime
    endsAt: datetime
    createdBy: str
    comment: str
    endsWhenResolved: bool
    state: SilenceState
    endedReason: str | None
    createdAt: datetime
    updatedAt: datetime

    @classmethod
    def of(cls, s: Silence, now: datetime) -> SilencePublic:
        return cls(
            id=s.id,
            matchers=list(s.matchers),
            startsAt=as_utc(s.starts_at),
            endsAt=as_utc(s.ends_at),
            createdBy=s.created_by,
            comment=s.comment,
            endsWhenResolved=s.ends_when_resolved,
            state=state_of(s, now),
            endedReason=s.ended_reason,
            createdAt=as_utc(s.created_at),
            updatedAt=as_utc(s.updated_at),
        )


class SilencesPublic(Page[SilencePublic]):
    pass


@router.post("", status_code=201, response_model=SilencePublic)
async def create_silence(body: SilenceIn, session: SessionDep) -> SilencePublic:
    """Silence the notifications whose labels match every matcher, from startsAt to endsAt."""
    try:
        matchers = silence_matchers(body.matchers)
    except MatcherError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    now = datetime.now(UTC)
    starts = as_utc(body.startsAt) if body.startsAt else now
    ends = as_utc(body.endsAt)
    if ends <= now:
        raise HTTPException(status_code=400, detail="endsAt is in the past")
    if ends <= starts:
        raise HTTPException(status_code=400, detail="endsAt must be after startsAt")
    silence = Silence(
        matchers=[str(m) for m in matchers],
        starts_at=starts,
        ends_at=ends,
        created_by=body.createdBy,
        comment=body.comment,
        ends_when_resolved=body.endsWhenResolved,
        created_at=now,
        updated_at=now,
    )
    session.add(silence)
    await session.commit()
    log.info(
        "silence %s created by %s: %s", silence.id, body.createdBy, ", ".join(silence.matchers)
    )
    return SilencePublic.of(silence, now)


@router.get("", response_model=SilencesPublic)
async def list_all(
    session: SessionDep,
    state: Annotated[SilenceState | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> SilencesPublic:
    """List silences (active, pending or expired), the latest to end first."""
    now = datetime.now(UTC)
    rows, count = await list_silences(session, now=now, state=state, limit=limit, offset=offset)
    return SilencesPublic(
        data=[SilencePublic.of(s, now) for s in rows], count=count, limit=limit, offset=offset
    )


@router.get("/{silence_id}", response_model=SilencePublic)
async def get_one(silence_id: uuid.UUID, session: SessionDep) -> SilencePublic:
    """One silence."""
    silence = await session.get(Silence, silence_id)
    if silence is None:
        raise HTTPException(status_code=404, detail="unknown silence")
    return SilencePublic.of(silence, datetime.now(UTC))


async def _tell_groups(client: Client, silence: Silence) -> None:
    """Red CI groups it kept quiet send their state now instead of at its planned end."""
    for workflow_id, state in silence.groups.items():
        if state != GROUP_RED:
            continue
        try:
            await client.get_workflow_handle(workflow_id).signal(
                Signal.SILENCE_ENDED, str(silence.id)
            )
        except RPCError as exc:  # ended meanwhile, or Temporal away: it wakes at endsAt anyway
            log.info("silence %s: group %s not told (%s)", silence.id, workflow_id, exc.message)


@router.delete("/{silence_id}", response_model=SilencePublic)
async def expire(silence_id: uuid.UUID, session: SessionDep, state: AppStateDep) -> SilencePublic:
    """Expire a silence now (404 unknown, 409 already expired)."""
    silence = await session.get(Silence, silence_id, with_for_update=True)
    if silence is None:
        raise HTTPException(status_code=404, detail="unknown silence")
    now = datetime.now(UTC)
    if state_of(silence, now) == SilenceState.EXPIRED:
        raise HTTPException(status_code=409, detail="the silence has already expired")
    end_now(silence, now, "expired through the API")
    session.add(silence)
    await session.commit()
    log.info("silence %s expired through the API", silence.id)
    await _tell_groups(state.temporal, silence)
    return SilencePublic.of(silence, now)

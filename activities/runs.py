"""Run bookkeeping activities: mirror status into `runs`, keep artifacts in `run_artifacts`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db.engine import SessionFactory
from db.models import Run, RunArtifact
from db.types import utcnow

ARTIFACT_MAX_CHARS = 256_000
TRUNCATION_MARKER = "\n…[truncated by hookflow: {dropped} characters dropped]"


@dataclass
class RunStatusUpdate:
    run_id: str
    status: str
    phase: str | None = None
    iteration: int | None = None
    error: str | None = None
    pr_number: int | None = None
    pr_url: str | None = None


@dataclass
class ArtifactInput:
    run_id: str
    name: str
    kind: str  # json | text | patch
    content: str


def truncate(content: str, limit: int = ARTIFACT_MAX_CHARS) -> tuple[str, bool]:
    if len(content) <= limit:
        return content, False
    marker = TRUNCATION_MARKER.format(dropped=len(content) - limit)
    return content[:limit] + marker, True


class RunActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="run.set_status")
    async def set_status(self, update: RunStatusUpdate) -> None:
        """Mirror the run's status (and phase, iteration, PR) into the `runs` table."""
        async with self._sessions() as session:
            run = await session.get(Run, uuid.UUID(update.run_id))
            if run is None:
                raise ApplicationError(f"run {update.run_id} not found", non_retryable=True)
            now = utcnow()
            run.status = update.status
            if update.phase is not None:
                run.phase = update.phase
            if update.iteration is not None:
                run.iteration = update.iteration
            if update.error is not None:
                run.error = update.error[:4000]
            if update.pr_number is not None:
                run.pr_number = update.pr_number
            if update.pr_url is not None:
                run.pr_url = update.pr_url
            if update.status == "RUNNING" and run.started_at is None:
                run.started_at = now
            if update.status in ("SUCCEEDED", "FAILED", "CANCELLED", "ESCALATED"):
                run.finished_at = now
            run.updated_at = now
            session.add(run)
            await session.commit()

    @activity.defn(name="run.record_artifact")
    async def record_artifact(self, artifact: ArtifactInput) -> None:
        """Store (or replace, on retry) one named artifact of a run."""
        content, truncated = truncate(artifact.content)
        async with self._sessions() as session:
            query = select(RunArtifact).where(
                RunArtifact.run_id == uuid.UUID(artifact.run_id),
                RunArtifact.name == artifact.name,
            )
            row = (await session.exec(query)).first() or RunArtifact(
                run_id=uuid.UUID(artifact.run_id), name=artifact.name, kind=artifact.kind,
                content="",
            )
            row.kind = artifact.kind
            row.content = content
            row.size = len(artifact.content.encode())
            row.truncated = truncated
            session.add(row)
            await session.commit()

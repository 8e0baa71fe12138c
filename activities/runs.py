"""Run bookkeeping activities: mirror status into `runs`, keep artifacts in `run_artifacts`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contract.inputs import RunStatusUpdate
from contract.limits import truncation_notice
from contract.statuses import FINISHED_RUN_STATUSES, RunStatus
from db.engine import SessionFactory
from db.models import Run, RunArtifact
from db.partial import set_given
from db.types import utcnow
from settings import ConfigError, Settings

ARTIFACT_MAX_CHARS = 256_000


@dataclass
class ArtifactInput:
    run_id: str
    name: str
    kind: str  # json | text | patch
    content: str


@dataclass
class RunConfigInput:
    run_id: str


@dataclass
class RunConfig:
    """The settings a run depends on, read once and kept in the workflow's history."""

    phases: list[str]
    max_ci_iterations: int
    approval_required: bool
    phase_timeout_seconds: float
    heartbeat_seconds: float
    retry_window_seconds: float
    ci_timeout_seconds: float
    github_enabled: bool
    ui_url: str
    namespace: str
    api_url: str = ""  # API_PUBLIC_URL: failure comments link to the run's artifacts there
    max_iterations: int = 5  # implement iterations, CI fixes and review feedback together


def agent_config_error(settings: Settings) -> str | None:
    """Why no agent can run, naming the setting to give; None when one is configured."""
    if settings.run_agent == "":
        return (
            "no agent configured: set RUN_AGENT=command with RUN_AGENT_COMMAND=<executable>, "
            "or RUN_AGENT=http with RUN_AGENT_URL=<url>, "
            "or RUN_AGENT=llm with LLM_MODEL=<model>"
        )
    if settings.run_agent == "command" and not settings.run_agent_command.strip():
        return "RUN_AGENT=command needs RUN_AGENT_COMMAND=<executable and arguments>"
    if settings.run_agent == "http" and not settings.run_agent_url.strip():
        return "RUN_AGENT=http needs RUN_AGENT_URL=<agent endpoint>"
    if settings.run_agent == "llm":
        if not settings.llm_model.strip():
            return "RUN_AGENT=llm needs LLM_MODEL=<model name> (and LLM_BASE_URL, LLM_API_KEY)"
        try:
            settings.llm_api_key_value()
        except ConfigError as exc:
            return str(exc)
    return None


def run_config(settings: Settings) -> RunConfig:
    """Validate the run settings; bad ones raise a non-retryable error that fails the run."""
    problem = agent_config_error(settings)
    phases = settings.run_phase_list
    if problem is None and not phases:
        problem = "RUN_PHASES is empty: give a comma list such as qualify,plan,implement,test"
    if problem is None and settings.run_max_ci_iterations < 1:
        problem = "RUN_MAX_CI_ITERATIONS must be at least 1"
    if problem is None and settings.run_max_iterations < 1:
        problem = "RUN_MAX_ITERATIONS must be at least 1"
    if problem is not None:
        raise ApplicationError(problem, type="RunConfigError", non_retryable=True)
    timeout = settings.run_phase_timeout.total_seconds()
    return RunConfig(
        phases=phases,
        max_ci_iterations=settings.run_max_ci_iterations,
        approval_required=settings.run_approval_required,
        phase_timeout_seconds=timeout,
        # A phase on a worker that died is retried elsewhere after this long without heartbeat.
        heartbeat_seconds=min(60.0, max(2.0, timeout / 10)),
        retry_window_seconds=settings.run_retry_window.total_seconds(),
        ci_timeout_seconds=settings.run_ci_timeout.total_seconds(),
        github_enabled=settings.github_configured,
        ui_url=settings.temporal_ui_url.rstrip("/"),
        namespace=settings.temporal_namespace,
        api_url=settings.api_public_url.rstrip("/"),
        max_iterations=settings.run_max_iterations,
    )


def truncate(content: str, limit: int = ARTIFACT_MAX_CHARS) -> tuple[str, bool]:
    if len(content) <= limit:
        return content, False
    marker = f"\n…{truncation_notice(len(content) - limit)}"
    return content[:limit] + marker, True


class RunActivities:
    def __init__(self, sessions: SessionFactory, settings: Settings | None = None) -> None:
        self._sessions = sessions
        self._settings = settings

    @activity.defn(name="run.config")
    async def config(self, input: RunConfigInput) -> RunConfig:
        """The run settings (validated); a misconfiguration fails the run with its reason."""
        if self._settings is None:
            raise ApplicationError("RunActivities built without settings", non_retryable=True)
        return run_config(self._settings)

    @activity.defn(name="run.set_status")
    async def set_status(self, update: RunStatusUpdate) -> None:
        """Mirror the run's status (and phase, iteration, PR) into the `runs` table."""
        async with self._sessions() as session:
            run = await session.get(Run, uuid.UUID(update.run_id))
            if run is None:
                raise ApplicationError(f"run {update.run_id} not found", non_retryable=True)
            now = utcnow()
            run.status = update.status
            run.iteration = update.iteration
            set_given(run, update, "phase", "pr_number", "pr_url")
            if update.error is not None:
                run.error = update.error[:4000]
            if update.status == RunStatus.RUNNING and run.started_at is None:
                run.started_at = now
            if update.status in FINISHED_RUN_STATUSES:
                run.finished_at = now
            run.updated_at = now
            session.add(run)
            await session.commit()

    @activity.defn(name="run.record_artifact")
    async def record_artifact(self, artifact: ArtifactInput) -> None:
        """Store (or replace, on retry) one named artifact of a run."""
        await store_artifact(self._sessions, artifact)


async def store_artifact(
    sessions: SessionFactory,
    artifact: ArtifactInput,
    size: int | None = None,
    limit: int = ARTIFACT_MAX_CHARS,
) -> str:
    """Store (or replace) one named artifact; returns its id. `size` is the original size when
    the content was already cut down by the caller."""
    # PostgreSQL text cannot hold NUL; an agent may print anything.
    content, truncated = truncate(artifact.content.replace("\x00", "\ufffd"), limit)
    async with sessions() as session:
        query = select(RunArtifact).where(
            RunArtifact.run_id == uuid.UUID(artifact.run_id),
            RunArtifact.name == artifact.name,
        )
        row = (await session.exec(query)).first() or RunArtifact(
            run_id=uuid.UUID(artifact.run_id),
            name=artifact.name,
            kind=artifact.kind,
            content="",
        )
        row.kind = artifact.kind
        row.content = content
        row.size = size if size is not None else len(artifact.content.encode())
        row.truncated = truncated or (size is not None and size > len(content.encode()))
        session.add(row)
        await session.commit()
        return str(row.id)


async def load_artifact(sessions: SessionFactory, run_id: str, name: str) -> RunArtifact | None:
    async with sessions() as session:
        query = select(RunArtifact).where(
            RunArtifact.run_id == uuid.UUID(run_id), RunArtifact.name == name
        )
        return (await session.exec(query)).first()

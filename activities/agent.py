"""Agent phase activity: run one phase of an AI run with the configured backend (command | http)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from settings import Settings


@dataclass
class PhaseInput:
    run_id: str
    phase: str
    iteration: int
    issue: dict[str, Any]
    previous: dict[str, Any]  # artifacts of earlier phases, by phase name
    workspace: str | None
    ci_failure: str | None = None


@dataclass
class PhaseOutput:
    phase: str
    artifact: Any  # parsed JSON, or text
    kind: str  # "json" | "text"
    patch: str
    log_tail: str
    truncated: bool


class AgentActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn(name="agent.run_phase")
    async def run_phase(self, input: PhaseInput) -> PhaseOutput:
        """Run one agent phase and return its artifact, the workspace patch and a log tail."""
        raise ApplicationError("agent.run_phase: not implemented yet", non_retryable=True)

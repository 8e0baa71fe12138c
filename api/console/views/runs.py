"""A run as its page shows it: a timeline of status changes and phases (from the run's times
and its phase artifacts), its iterations, the tokens the LLM backend spent, the signals that
make sense in its status."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from contract.names import Signal
from contract.statuses import ACTIVE_RUN_STATUSES, RunStatus
from db.models import Run, RunArtifact
from db.types import as_utc

_PHASE_NAME = re.compile(r"^(?P<phase>[a-z_]+)(?:-iteration-(?P<iteration>\d+))?$")
TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens")


@dataclass(frozen=True)
class Moment:
    at: datetime
    label: str
    detail: str = ""


@dataclass(frozen=True)
class PhaseArtifact:
    phase: str
    iteration: int
    artifact: RunArtifact


def phase_artifacts(artifacts: Sequence[RunArtifact], phases: Sequence[str]) -> list[PhaseArtifact]:
    """The artifacts that are a phase's output (`plan`, `implement-iteration-2`)."""
    found = []
    for artifact in artifacts:
        match = _PHASE_NAME.match(artifact.name)
        if match and match["phase"] in phases:
            found.append(PhaseArtifact(match["phase"], int(match["iteration"] or 1), artifact))
    return found


def timeline(run: Run, phased: Sequence[PhaseArtifact]) -> list[Moment]:
    """What happened to the run, oldest first."""
    moments = [Moment(as_utc(run.created_at), RunStatus.RECEIVED, "run recorded")]
    if run.started_at:
        moments.append(Moment(as_utc(run.started_at), RunStatus.RUNNING, "workflow started"))
    for item in phased:
        detail = f"iteration {item.iteration}" if item.iteration > 1 else ""
        moments.append(Moment(as_utc(item.artifact.created_at), f"phase {item.phase}", detail))
    if run.finished_at:
        moments.append(Moment(as_utc(run.finished_at), run.status, run.error or ""))
    if run.merged_at:
        moments.append(Moment(as_utc(run.merged_at), "merged", run.pr_url or ""))
    return sorted(moments, key=lambda m: m.at)


def iterations(phased: Sequence[PhaseArtifact]) -> dict[int, list[str]]:
    """The phases each iteration ran, in order."""
    result: dict[int, list[str]] = {}
    for item in sorted(phased, key=lambda p: (p.iteration, p.artifact.created_at)):
        result.setdefault(item.iteration, []).append(item.phase)
    return result


@dataclass
class TokenUsage:
    models: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    phases: int = 0


def token_usage(artifacts: Sequence[RunArtifact]) -> TokenUsage | None:
    """Tokens the LLM backend reported in its artifacts (`{"answer", "usage", "model"}`), or
    None when no phase ran on it."""
    usage = TokenUsage()
    for artifact in artifacts:
        if artifact.kind != "json" or artifact.truncated:
            continue
        try:
            data = json.loads(artifact.content)
        except ValueError:
            continue
        if not isinstance(data, dict) or "answer" not in data:
            continue
        if not isinstance(data.get("usage"), dict):
            continue
        usage.phases += 1
        model = data.get("model")
        if isinstance(model, str) and model and model not in usage.models:
            usage.models.append(model)
        for name in TOKEN_FIELDS:
            value = data["usage"].get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                usage.totals[name] = usage.totals.get(name, 0) + value
    return usage if usage.phases else None


def offered_signals(status: str) -> list[str]:
    """The buttons a person sees: approve while it waits for approval, retry when it failed
    (it waits for one during RUN_RETRY_WINDOW), cancel while it is active."""
    offered = []
    if status == RunStatus.WAITING_APPROVAL:
        offered.append(Signal.APPROVE.value)
    if status == RunStatus.FAILED:
        offered.append(Signal.RETRY.value)
    if status in ACTIVE_RUN_STATUSES:
        offered.append(Signal.CANCEL.value)
    return offered

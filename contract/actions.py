"""What a delivery asks of Temporal, as plain data stored with the delivery and replayed later."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from contract.names import Signal, Workflow

ActionKind = Literal["start", "signal_with_start", "signal"]


def as_arg(value: Any) -> dict[str, Any]:
    """A workflow input or signal argument (a contract dataclass) as the JSON a plan stores."""
    return asdict(value)


@dataclass(frozen=True)
class DispatchAction:
    """One Temporal call: start a workflow, signal-with-start it, or signal a running one.

    `arg` is the workflow's single dataclass input as JSON; `signal_arg` the signal's. Workflow
    IDs are business keys, so replaying an action after a crash never starts a second workflow.
    """

    kind: ActionKind
    workflow: Workflow | str
    workflow_id: str
    arg: dict[str, Any] = field(default_factory=dict)
    signal: Signal | str | None = None
    signal_arg: dict[str, Any] | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    # For `signal`: a missing workflow is fine (nothing to tell), not an error.
    optional: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DispatchAction:
        return cls(**data)

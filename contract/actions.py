"""What a delivery asks of Temporal, as plain data stored with the delivery and replayed later."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

from contract.names import Signal, Workflow

ActionKind = Literal["start", "signal_with_start", "signal"]
_ATOMS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """What `dataclasses.asdict` makes of `value`, without deep-copying every string and number
    on the way (asdict's deepcopy of each leaf was most of routing's time for a CI event)."""
    kind = type(value)
    if kind in _ATOMS or isinstance(value, str | int | float):  # StrEnums: asdict keeps them
        return value
    if kind is dict:
        return {_plain(k): _plain(v) for k, v in value.items()}
    if kind is list:
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if kind is tuple:
        return tuple(_plain(v) for v in value)
    return copy.deepcopy(value)  # anything else: as asdict does


def as_arg(value: Any) -> dict[str, Any]:
    """A workflow input or signal argument (a contract dataclass) as the JSON a plan stores."""
    plain: dict[str, Any] = _plain(value)
    return plain


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
        plain: dict[str, Any] = _plain(self)
        return plain

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DispatchAction:
        return cls(**data)

"""Plans store workflow inputs as plain JSON data: exactly what dataclasses.asdict made of them
(without its deep copy of every leaf)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pytest

from contract import inputs
from contract.actions import DispatchAction, as_arg
from contract.names import Signal, Workflow
from routing.notifications import Notification


class Colour(StrEnum):
    RED = "red"


@dataclass
class Inner:
    name: str
    tags: tuple[str, ...] = ("a", "b")


@dataclass
class Outer:
    inner: Inner
    items: list[Inner] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    colour: Colour = Colour.RED
    ratio: float = 0.5
    flag: bool = True
    none: None = None
    odd: set[int] = field(default_factory=lambda: {1, 2})


def _samples() -> list[Any]:
    found = []
    for name in dir(inputs):
        kind = getattr(inputs, name)
        if dataclasses.is_dataclass(kind) and isinstance(kind, type):
            try:
                found.append(kind())
            except TypeError:
                continue  # needs arguments: covered by the nested sample below
    nested = Outer(
        Inner("x"),
        [Inner("y", ("c",))],
        {"k": [1, {"d": Inner("z")}], "t": (1, 2)},
    )
    notification = Notification(
        type="ci_failure",
        priority="high",
        rule="workflow_run.failure",
        repo="o/r",
        event="workflow_run",
        action="completed",
        title="t",
        summary="s",
        payload_summary={"jobs": [{"name": "a", "steps": ["x"]}]},
    )
    return [*found, nested, notification]


@pytest.mark.parametrize("value", _samples(), ids=lambda v: type(v).__name__)
def test_as_arg_equals_asdict(value: Any) -> None:
    plain = as_arg(value)
    assert plain == dataclasses.asdict(value)
    assert type(plain) is dict


def test_as_arg_copies_containers() -> None:
    value = Outer(Inner("x"), extra={"k": [1]})
    plain = as_arg(value)
    plain["extra"]["k"].append(2)
    assert value.extra == {"k": [1]}


def test_action_to_json_round_trips() -> None:
    action = DispatchAction(
        kind="signal_with_start",
        workflow=Workflow.NOTIFICATION_GROUP,
        workflow_id="g",
        arg={"a": [1, {"b": 2}]},
        signal=Signal.GROUP_EVENT,
        signal_arg={"key": "k"},
        memo={"repo": "o/r"},
    )
    assert action.to_json() == dataclasses.asdict(action)
    assert DispatchAction.from_json(action.to_json()) == action

"""The run signals people send by name (API, CLI, slash commands) are RunWorkflow's signals."""

from __future__ import annotations

import pytest
from temporalio import workflow

from cli.main import build_parser
from contract.names import HUMAN_RUN_SIGNALS as SIGNALS
from routing.commands import COMMANDS
from workflows.run.workflow import SIGNAL_METHODS, RunWorkflow


@pytest.mark.parametrize("name", SIGNALS)
def test_signal_name_maps_to_the_workflow_signal_of_that_name(name: str) -> None:
    definition = workflow._Definition.from_class(RunWorkflow)
    assert definition is not None
    assert name in definition.signals
    assert definition.signals[name].fn is SIGNAL_METHODS[name]


@pytest.mark.parametrize("name", SIGNALS)
def test_signal_name_is_a_slash_command_and_a_cli_choice(name: str) -> None:
    assert name in COMMANDS
    args = build_parser().parse_args(["run", "signal", "run-1", name])
    assert args.name == name


def test_signal_methods_cover_exactly_the_signal_names() -> None:
    assert tuple(SIGNAL_METHODS) == SIGNALS

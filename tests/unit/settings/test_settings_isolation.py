"""Clearing the machine's settings for a test removes every name Settings reads and nothing else."""

from __future__ import annotations

import os

import pytest

from tests.support.isolated_settings import clear_settings_env


def test_clearing_removes_every_name_settings_reads_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # tests/support/app.py runs this before every test, and the `settings` fixture once more.
    planted = ["AIMAESTRO_URL", "aimaestro_to", "NOTIFY_GROUP_WINDOW", "HOOKFLOW_ENV_FILE"]
    kept = ["PATH", "TEMPORAL_CLI_PATH", "HOOKFLOW_REQUIRE_TOOLS"]
    for name in planted + kept:
        monkeypatch.setenv(name, os.environ.get(name, "x"))
    clear_settings_env(monkeypatch)
    assert [n for n in planted if n in os.environ] == []
    assert [n for n in kept if n not in os.environ] == []

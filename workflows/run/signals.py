"""The run signals a person may send by name (API, CLI, slash commands): RunWorkflow's methods."""

from __future__ import annotations

SIGNALS = ("approve", "cancel", "retry")

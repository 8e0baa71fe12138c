"""The run signals a person may send by name (API, CLI, slash commands): RunWorkflow's methods."""

from __future__ import annotations

# Each is the name of a RunWorkflow signal method (workflows.run.workflow.SIGNAL_METHODS); kept
# apart from the workflow so that the CLI can offer them without importing Temporal.
SIGNALS = ("approve", "cancel", "retry")

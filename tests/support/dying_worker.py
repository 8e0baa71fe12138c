"""A worker that dies by SIGKILL the moment its agent process has started (its pid recorded),
before bubblewrap has armed the sandbox: `python -m tests.support.dying_worker SETTINGS RUN_ID`,
SETTINGS a JSON object of load_settings() values."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from temporalio.testing import ActivityEnvironment

from activities import agent_command
from activities.agent import AgentActivities, PhaseInput
from settings import load_settings


def main() -> None:
    values, run_id = json.loads(sys.argv[1]), sys.argv[2]
    record = agent_command._write

    def record_then_die(path: Path, text: str) -> None:
        record(path, text)
        os.kill(os.getpid(), signal.SIGKILL)

    agent_command._write = record_then_die
    data = PhaseInput(run_id, "plan", 1, {"repo": "octo/demo"}, {}, None)
    asyncio.run(ActivityEnvironment().run(AgentActivities(load_settings(**values)).produce, data))


if __name__ == "__main__":
    main()

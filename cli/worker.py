"""`hookflow worker`: the Temporal worker (the same as `python worker.py`), stopped cleanly by
SIGTERM (systemd, Kubernetes) as by Ctrl-C: running activities get the worker's grace period."""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any


async def _run_until_stopped() -> None:
    import worker

    task = asyncio.current_task()
    assert task is not None
    # Cancelling worker.run() starts Temporal's graceful shutdown (no new tasks are polled).
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    await worker.main()


def _run(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_run_until_stopped())
    except (asyncio.CancelledError, KeyboardInterrupt):
        pass
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker", help="run the Temporal worker (workflows and activities of TEMPORAL_TASK_QUEUE)"
    )
    parser.set_defaults(func=_run)

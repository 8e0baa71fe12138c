"""How a hookflow process ends: with its own exit code, never with SIGABRT.

Temporal's SDK bridge (Rust, on tokio threads) can still call into Python while the interpreter
finalizes, and CPython then aborts the whole process: "Fatal Python error: PyGILState_Release:
thread state ... must be current when releasing", exit 134 (temporalio/sdk-python#300, open).
On this machine a bare temporalio worker stopped cleanly aborted at exit in 11 of 40 runs, a
process that only used a client in 1 of 30; systemd and Kubernetes would count each as a crash.

So every process entry that may load the bridge (`hookflow`, `python worker.py`,
`python -m devstack.up`, the bench's peer worker) runs through `run()`: once the entry has
returned, it does what the interpreter's finalization would do that matters here (atexit
callbacks, among them logging's flush and close; stdout and stderr flushed) and ends the process
with `os._exit`, before the bridge's threads can meet a finalizing interpreter. A process that
never loaded the bridge exits as Python always does.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from collections.abc import Callable
from typing import NoReturn

BRIDGE = "temporalio.bridge.temporal_sdk_bridge"
INTERRUPTED = 130  # a shell's code for a process ended by Ctrl-C (128 + SIGINT)


def bridge_loaded() -> bool:
    return BRIDGE in sys.modules


def exit_code(exc: BaseException) -> int:
    """The code Python would exit with for `exc` escaping the entry, having said what it says."""
    if isinstance(exc, SystemExit):
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    sys.excepthook(type(exc), exc, exc.__traceback__)
    return 1


def end(code: int) -> NoReturn:
    """End the process with `code`, past the interpreter's finalization if the bridge loaded."""
    if not bridge_loaded():
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def run(entry: Callable[[], int | None]) -> NoReturn:
    """Call `entry` (a process's main) and end the process with its code (None: 0)."""
    try:
        code = entry()
    except BaseException as exc:
        if not bridge_loaded():
            raise
        end(exit_code(exc))
    end(code or 0)

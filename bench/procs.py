"""RSS and CPU time of the stack's processes, read from /proc: which part a burst keeps busy.

Components: the worker processes, the API (uvicorn and its `--workers` children), the Temporal
dev server and PostgreSQL (postmaster, live backends and the backends that already exited).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from bench.stack import Stack

TICK = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _cpu(pid: int, *, reaped: bool = False) -> float:
    """User + system seconds of `pid` (with `reaped`, also of its children that exited)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields after the command: utime, stime, cutime, cstime are 12..15 (state is 1).
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def temporal_pid(stack: Stack) -> int | None:
    if stack.restartable is not None:
        return stack.restartable.process.pid if stack.restartable.process else None
    port = stack.temporal_address.rsplit(":", 1)[-1]
    for pid in children(os.getpid()):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"start-dev" in argv and port.encode() in argv:
                return pid
    return None


def _postmaster_pid(stack: Stack) -> int | None:
    if stack.postgres is None:
        return None
    with contextlib.suppress(OSError, ValueError, IndexError):
        text = (stack.postgres.data_dir / "data" / "postmaster.pid").read_text()
        return int(text.splitlines()[0])
    return None


def _serves(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def api_pids(stack: Stack, name: str = "api") -> list[int]:
    """The processes serving requests: uvicorn's `--workers` children, or uvicorn itself."""
    main = stack.processes[name].pid
    return [pid for pid in children(main) if _serves(pid)] or [main]


def worker_pids(stack: Stack) -> list[int]:
    return [p.pid for name, p in stack.processes.items() if name.startswith(("worker", "notify"))]


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each component (compare two readings): `api`, `worker`,
    `temporal`, `postgres`, and each peer process (`peer:<mode>`, `peer_worker`)."""
    result = {
        "worker": sum(_cpu(pid) for pid in worker_pids(stack)),
    }
    for api in ("api", "api_nolog"):
        if api in stack.processes:
            pids = {stack.processes[api].pid, *api_pids(stack, api)}
            result[api] = sum(_cpu(pid) for pid in pids)
    for name, process in stack.processes.items():
        if name in ("bare", "commit", "group", "start"):
            result[f"peer:{name}"] = _cpu(process.pid)
        elif name == "peer_worker":
            result[name] = _cpu(process.pid)
    temporal = temporal_pid(stack)
    result["temporal"] = _cpu(temporal) if temporal else float("nan")
    postmaster = _postmaster_pid(stack)
    result["postgres"] = (
        _cpu(postmaster, reaped=True) + sum(_cpu(pid) for pid in children(postmaster))
        if postmaster
        else float("nan")
    )
    return result


def rss(stack: Stack) -> dict[str, list[float]]:
    """RSS in MB of each API and worker process."""
    return {
        "api_rss_mb": [round(rss_mb(pid), 1) for pid in api_pids(stack)],
        "worker_rss_mb": [round(rss_mb(pid), 1) for pid in worker_pids(stack)],
    }

"""What /proc says about processes the tests start: alive or not, which belong to a run or to a
process group."""

from __future__ import annotations

import os
from pathlib import Path


def _state(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), if it exists."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    stat = _state(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def group_members(pgid: int) -> list[int]:
    """Live processes of process group `pgid`."""
    return [
        pid
        for pid in _pids()
        if (stat := _state(pid)) is not None and int(stat[2]) == pgid and stat[0] not in ("Z", "X")
    ]


def ancestors(pid: int) -> list[int]:
    """The parent, its parent… of a live process, up to init."""
    found: list[int] = []
    stat = _state(pid)
    while stat is not None and int(stat[1]) > 1 and len(found) < 64:
        found.append(int(stat[1]))
        stat = _state(found[-1])
    return found


def command_line(pid: int) -> list[str]:
    """The process's argv ([] once it is gone)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []
    return [a.decode(errors="replace") for a in argv if a]


def describe(pid: int) -> str:
    """One line about a process for a failure message: state, ancestors, command line."""
    stat = _state(pid)
    if stat is None:
        return f"{pid}: gone"
    command = " ".join(command_line(pid))[:200]
    chain = " < ".join(str(p) for p in ancestors(pid))
    return f"{pid}: state {stat[0]}, ancestors {chain or '-'}: {command}"


def processes_of(run_id: str) -> list[int]:
    """Host pids whose environment names the run (the agent, its sandbox, their children)."""
    marker = f"HOOKFLOW_RUN_ID={run_id}".encode()
    found = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker in f.read():
                    found.append(pid)
        except OSError:
            continue
    return found

"""Run a child process from an activity: bounded output, heartbeats, a killed process group on
cancel or timeout, and no survivor of a dead worker (shared by the agent backend and git)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from temporalio import activity

from contract.limits import truncation_notice

OUTPUT_LIMIT = 1_000_000  # bytes kept per stream
KILL_GRACE_SECONDS = 2.0
HEARTBEAT_SECONDS = 2.0
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class ProcessResult:
    returncode: int
    stdout: str  # the head of stdout (marker appended when truncated)
    stderr: str  # the tail of stderr (marker prepended when truncated)
    stdout_truncated: bool
    stderr_truncated: bool
    stdout_dropped: int = 0  # bytes
    stderr_dropped: int = 0


class ProcessTimeout(Exception):
    """The process outlived its time bound and was killed."""


def truncated_marker(dropped: int) -> str:
    """Where an output stream lost `dropped` bytes (after the head, before the tail)."""
    return f"\n…{truncation_notice(dropped, 'bytes')}\n"


class _Head:
    """Keeps the first `limit` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.data, self.dropped = limit, bytearray(), 0

    def feed(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - room)

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        return text + truncated_marker(self.dropped) if self.dropped else text


class _Tail(_Head):
    """Keeps the last `limit` bytes of a stream (logs matter most at their end)."""

    def feed(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > self.limit:
            extra = len(self.data) - self.limit
            self.dropped += extra
            del self.data[:extra]

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        return truncated_marker(self.dropped) + text if self.dropped else text


async def _pump(stream: asyncio.StreamReader | None, sink: _Head) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        sink.feed(chunk)


def heartbeat(details: str) -> None:
    # Outside an activity (e.g. the CLI) there is nothing to heartbeat to.
    with contextlib.suppress(RuntimeError):
        activity.heartbeat(details)


def heartbeat_interval() -> float:
    """Heartbeat often enough for the activity's heartbeat timeout (at most every 2 s)."""
    try:
        timeout = activity.info().heartbeat_timeout
    except RuntimeError:
        return HEARTBEAT_SECONDS
    if not timeout:
        return HEARTBEAT_SECONDS
    return max(0.1, min(HEARTBEAT_SECONDS, timeout.total_seconds() / 3))


def _die_with(parent: int) -> Callable[[], None]:
    """preexec_fn: the child gets SIGKILL when the worker dies (even by SIGKILL)."""

    def preexec() -> None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the worker died between fork and prctl
            os._exit(137)

    return preexec


@contextlib.contextmanager
def lifeline() -> Iterator[int]:
    """The read end of a pipe, for a child (`pass_fds`): it hangs up once this process is gone,
    since the write end stays here, in no child, until the block ends."""
    read, write = os.pipe()  # neither inheritable: only `pass_fds` hands the read end on
    try:
        yield read
    finally:
        os.close(read)
        os.close(write)


def _proc_field(pid: str, name: str) -> bytes:
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read()
    except OSError:
        return b""


def kill_orphans(pidfile: Path, marker: str) -> int:
    """What a dead worker's attempt left (its pid file is still there): the process group
    recorded in `pidfile` if processes carrying `marker` in their environment are in it (an
    unsandboxed agent's children), and every other process carrying `marker` — a sandbox in a
    session of its own, e.g. one whose bubblewrap was cut off while starting and waits for ever
    (activities/sandbox_lifeline.py: it never runs the agent). Returns how many carried it."""
    try:
        pgid = int(pidfile.read_text())
    except (OSError, ValueError):
        return 0
    found: list[int] = []
    in_group = False
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        if marker.encode() in _proc_field(pid, "environ").split(b"\0"):
            stat = _proc_field(pid, "stat").rsplit(b")", 1)[-1].split()
            in_group = in_group or (len(stat) > 2 and int(stat[2]) == pgid)
            found.append(int(pid))
    if in_group:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
    for orphan in found:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(orphan, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
    return len(found)


def _signal_group(proc: asyncio.subprocess.Process, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


async def kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the whole process group, SIGKILL it if it is still there after a short grace."""
    _signal_group(proc, signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(proc.wait()), KILL_GRACE_SECONDS)
    except TimeoutError:
        pass
    # Children may outlive the leader; the group is killed either way.
    _signal_group(proc, signal.SIGKILL)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), KILL_GRACE_SECONDS)


async def run_process(
    argv: Sequence[str],
    *,
    cwd: str | Path,
    env: Mapping[str, str],
    stdin: bytes = b"",
    time_limit: float | None = None,
    limit: int = OUTPUT_LIMIT,
    label: str = "process",
    on_start: Callable[[int], None] | None = None,
    pass_fds: Sequence[int] = (),
) -> ProcessResult:
    """Run `argv` in its own process group; heartbeat while it runs; kill it on cancel/timeout.

    The child dies with the worker (PR_SET_PDEATHSIG); `on_start` gets its pid (= its process
    group); `pass_fds` stay open in it. Raises FileNotFoundError / PermissionError when the
    executable cannot be started and ProcessTimeout when `time_limit` seconds pass first.
    """
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=str(cwd),
        env=dict(env),
        start_new_session=True,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_die_with(os.getpid()),
        pass_fds=tuple(pass_fds),
    )
    if on_start is not None:
        on_start(proc.pid)
    out, err = _Head(limit), _Tail(limit)
    readers = asyncio.gather(_pump(proc.stdout, out), _pump(proc.stderr, err))
    loop = asyncio.get_running_loop()
    deadline = None if time_limit is None else loop.time() + time_limit
    beat = heartbeat_interval()
    try:
        if proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proc.stdin.write(stdin)
                await proc.stdin.drain()
            proc.stdin.close()
        while True:
            wait = beat
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - loop.time()))
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), wait)
                break
            except TimeoutError:
                if deadline is not None and loop.time() >= deadline:
                    raise ProcessTimeout(f"{label} ran longer than {time_limit:g}s") from None
                heartbeat(f"{label} running (pid {proc.pid})")
        # The leader exited; a background child may still hold the pipes open.
        try:
            await asyncio.wait_for(asyncio.shield(readers), KILL_GRACE_SECONDS)
        except TimeoutError:
            _signal_group(proc, signal.SIGKILL)
    except BaseException:
        await kill_group(proc)
        raise
    finally:
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(readers, KILL_GRACE_SECONDS)
    return ProcessResult(
        returncode=proc.returncode if proc.returncode is not None else -1,
        stdout=out.text(),
        stderr=err.text(),
        stdout_truncated=out.dropped > 0,
        stderr_truncated=err.dropped > 0,
        stdout_dropped=out.dropped,
        stderr_dropped=err.dropped,
    )

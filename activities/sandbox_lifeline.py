"""The sandbox's first command, before the agent: the sandbox lives only while its worker does.

    python3 -I -S -c "<this file>" FD -- AGENT ARGV…

bubblewrap's inner process (the sandbox's PID 1) arms its own parent-death signal only once it
runs, and a process's children get their parent-death signal as soon as the thread that started
them ends, while its other threads may still be tearing down its memory. A worker killed as the
sandbox starts could so leave a sandbox that no signal reaches. FD is the read end of a pipe
whose write end only the worker holds; the kernel closes it once the worker is entirely gone.

If FD has already hung up, nothing runs. Otherwise a watcher is forked that waits for the
hang-up and then kills every process of the sandbox (its PID namespace: bubblewrap's PID 1 then
ends it), and this process becomes the agent (exec), so the agent stays the sandbox's main
process, with its own exit status. Standard library only: it runs on the sandbox's interpreter.
"""

from __future__ import annotations

import os
import select
import signal
import sys

WORKER_GONE = 137  # as if killed by SIGKILL with the worker


def _hung_up(fd: int, timeout_ms: int | None) -> bool:
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(timeout_ms))  # a hang-up, or anything written: the worker is gone


def _watch(fd: int, agent: int, contained: bool) -> None:
    """In the forked watcher: hold none of the agent's pipes, wait, then end the sandbox."""
    null = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(null, std)
    _hung_up(fd, None)
    if contained:  # every process of the PID namespace but its PID 1 and this one
        os.kill(-1, signal.SIGKILL)
    elif os.getppid() == agent:  # outside a sandbox (only ever by hand): the agent, if running
        os.kill(agent, signal.SIGKILL)
    os._exit(0)


def _in_bwrap_namespace() -> bool:
    """A child of PID 1, and PID 1 is bubblewrap: this runs in a sandbox's own PID namespace."""
    try:
        with open("/proc/1/cmdline", "rb") as f:
            init = f.read().split(b"\0")[0]
    except OSError:
        return False
    return os.getppid() == 1 and os.path.basename(init) == b"bwrap"


def main(argv: list[str]) -> int:
    fd, command = int(argv[0]), argv[2:]
    if _hung_up(fd, 0):
        sys.stderr.write("hookflow: the worker died while the sandbox started; agent not run\n")
        return WORKER_GONE
    agent = os.getpid()  # exec keeps it
    contained = _in_bwrap_namespace()
    if os.fork() == 0:
        try:
            _watch(fd, agent, contained)
        finally:
            os._exit(1)
    os.close(fd)
    try:
        os.execvp(command[0], command)
    except OSError as exc:  # as a shell would answer: 127 not found, 126 not runnable
        sys.stderr.write(f"hookflow: cannot run {command[0]}: {exc.strerror}\n")
        return 127 if isinstance(exc, FileNotFoundError) else 126
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

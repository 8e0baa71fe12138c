"""A hookflow process ends with its own exit code once Temporal's bridge is loaded, never with the
SIGABRT the bridge's threads can cause in a finalizing interpreter (ops/exit.py), and says on the
way out what Python would have said."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from settings import Settings

ROOT = Path(__file__).resolve().parents[3]

# An object whose __del__ only runs in the interpreter's finalization: it says whether the
# process went through it.
PRELUDE = """
import atexit, logging, sys
{bridge}
from ops.exit import run

class Witness:
    def __del__(self):
        print("finalized", file=sys.stderr, flush=True)

witness = Witness()
atexit.register(lambda: print("atexit ran", file=sys.stderr))
logging.basicConfig(filename=sys.argv[1], level=logging.INFO, format="%(message)s")
"""
BRIDGE = "import temporalio.bridge.temporal_sdk_bridge"


def python(tmp_path: Path, body: str, *, bridge: bool = True) -> subprocess.CompletedProcess[str]:
    script = PRELUDE.format(bridge=BRIDGE if bridge else "") + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "log")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_entrys_code_buffered_output_logs_and_atexit_survive(tmp_path: Path) -> None:
    done = python(
        tmp_path,
        """
        def main():
            logging.info("a line still in the handler's buffer")
            sys.stdout.write("no newline, never flushed")
            return 3
        run(main)
        """,
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout == "no newline, never flushed"
    assert "atexit ran" in done.stderr
    assert "finalized" not in done.stderr  # ended before the interpreter's finalization
    assert (tmp_path / "log").read_text() == "a line still in the handler's buffer\n"


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [
        ("SystemExit('error: WORKER_QUEUES=x is not all, main or notify')", 1, "WORKER_QUEUES=x"),
        ("SystemExit(None)", 0, ""),
        ("SystemExit(4)", 4, ""),
        ("ValueError('bad thing')", 1, "ValueError: bad thing"),
        ("KeyboardInterrupt()", 130, ""),
    ],
)
def test_what_escapes_the_entry_becomes_the_code_python_would_give(
    tmp_path: Path, raised: str, code: int, said: str
) -> None:
    done = python(tmp_path, f"def main():\n    raise {raised}\nrun(main)\n")
    assert done.returncode == code, done.stderr
    assert said in done.stderr
    if raised.startswith("ValueError"):
        assert "Traceback (most recent call last)" in done.stderr
    assert "finalized" not in done.stderr


def test_without_the_bridge_the_process_exits_as_python_does(tmp_path: Path) -> None:
    returned = python(tmp_path, "run(lambda: 5)\n", bridge=False)
    assert returned.returncode == 5, returned.stderr
    assert "finalized" in returned.stderr
    raised = python(tmp_path, "def main():\n    raise ValueError('x')\nrun(main)\n", bridge=False)
    assert raised.returncode == 1
    assert "ValueError: x" in raised.stderr and "finalized" in raised.stderr


WORKER = """
import asyncio, sys
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker
from ops.exit import run

@activity.defn
async def nothing() -> None: ...

async def main() -> None:
    client = await Client.connect(sys.argv[1], namespace=sys.argv[2])
    worker = Worker(client, task_queue=sys.argv[3], activities=[nothing])
    running = asyncio.create_task(worker.run())
    await asyncio.sleep(0.3)
    await worker.shutdown()
    await running

run(lambda: asyncio.run(main()))
"""


async def test_workers_stopped_cleanly_all_exit_0(settings: Settings) -> None:
    # Without ops.exit, a worker like this one aborted at exit in about 1 run of 4 here
    # (11 of 40): 16 such processes all ending with 0 would happen about once in 170 times.
    async def one(n: int) -> tuple[int | None, bytes]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            settings.temporal_address,
            settings.temporal_namespace,
            f"{settings.temporal_task_queue}-exit-{n}",
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), timeout=120)
        return process.returncode, err

    ended = []
    for batch in range(4):  # four at a time: two cores, and other tests beside
        ended += await asyncio.gather(*(one(batch * 4 + n) for n in range(4)))
    assert [code for code, _ in ended] == [0] * 16, [err.decode()[-400:] for _, err in ended]
    assert not any(b"Fatal Python error" in err for _, err in ended)

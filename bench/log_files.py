"""What the webhook log's files cost per delivery, and how much of it is their fsync:
`python -m bench.log_files [--dir DIR] [--batch 50] [--rounds 12]`.

Times notify.log_dir.write_log_files (the EventLog's path: every file written, synced, then
named, with its index link) on 14 KB delivery documents, in alternating rounds against the same
path with the fsyncs skipped and with one syncfs(2) for the whole batch instead. CPU per file
(getrusage: user + system, this process) and wall time per file. The fsync is a tested
guarantee (a file appears only once it is on disk); the variants only show what it costs. DIR
should be on the disk LOG_DIR would use (default: a temporary directory under /var/tmp).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from bench.payloads import issues_labeled
from delivery.event_log import delivery_write
from notify import log_dir

_libc = ctypes.CDLL(None, use_errno=True)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _documents(n: int, start: int) -> list[dict[str, object]]:
    payload = issues_labeled(1, "bug")
    now = datetime.now(UTC).isoformat()
    return [
        {"event": "issues", "delivery_id": f"d-{start + i}", "received_at": now, "payload": payload}
        for i in range(n)
    ]


def _write(folder: Path, documents: list[dict[str, object]]) -> None:
    with log_dir.locked(folder):  # as the EventLog writes a pass
        log_dir.write_log_files(folder, [delivery_write(d) for d in documents])


def _synced(folder: Path, documents: list[dict[str, object]]) -> None:
    _write(folder, documents)


def _unsynced(folder: Path, documents: list[dict[str, object]]) -> None:
    with mock.patch.object(log_dir, "_fsync", lambda path: None):
        _write(folder, documents)


def _syncfs(folder: Path, documents: list[dict[str, object]]) -> None:
    _unsynced(folder, documents)
    fd = os.open(folder, os.O_RDONLY)
    try:
        _libc.syncfs(fd)
    finally:
        os.close(fd)


VARIANTS: dict[str, Callable[[Path, list[dict[str, object]]], None]] = {
    "fsync per file (hookflow)": _synced,
    "no fsync": _unsynced,
    "one syncfs per batch": _syncfs,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir or "/var/tmp", prefix="hookflow-log-") as tmp:
        spent = {name: [0.0, 0.0] for name in VARIANTS}
        n = 0
        for _ in range(args.rounds):
            for name, write in VARIANTS.items():
                folder = Path(tmp) / f"r{n}"
                folder.mkdir()
                documents = _documents(args.batch, n * args.batch)
                n += 1
                cpu, wall = _cpu(), time.perf_counter()
                write(folder, documents)
                spent[name][0] += _cpu() - cpu
                spent[name][1] += time.perf_counter() - wall
        files = args.rounds * args.batch
        base = spent["fsync per file (hookflow)"][0]
        for name, (cpu, wall) in spent.items():
            print(
                f"{name:28s} CPU {1e6 * cpu / files:6.1f} µs/file ({cpu / base:.2f}×)  "
                f"wall {1e6 * wall / files:6.1f} µs/file"
            )


if __name__ == "__main__":
    main()

"""The LOG_DIR layout shared by every writer (seed 002): `YYYYMMDD_HHMMSS_<event>.json` (`-2`,
`-3` … when a second already has one), `latest.json` always the newest, files that appear
atomically, and a hidden index so rewriting the same entry never adds a second file.

The delivery log (delivery/event_log.py, in the API) and the notification sink (notify/logfile.py,
in the worker) both write through write_log_file() (or, many at once, write_log_files()); a lock
file serialises them on one host.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import itertools
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notify.log_encode import encode

LATEST = "latest.json"
# Hidden so `ls LOG_DIR` and `tail -f LOG_DIR/*.json` show only event files.
INDEX_DIR = ".deliveries"
_LOCK = ".lock"
# In INDEX_DIR while every event file there has its index entry (each entry is written before
# its file appears): a miss in the index then means a new entry, with no directory search.
# Without it (a directory from before, an index someone removed) a miss searches the files.
_COMPLETE = ".complete"
# The next `-n` worth trying per (second, event): the n-th file of a busy second is found in
# one link() instead of n (a hint only: link() still refuses a taken name).
_next_n: dict[tuple[Path, str], int] = {}
_NEXT_N_LIMIT = 256
_temp_names = itertools.count()
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")

Document = dict[str, Any]


def _stamp(when: datetime) -> str:
    # Aware times are written in UTC so names sort the same on every host.
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y%m%d_%H%M%S")


def safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "event"


def log_file_name(event: str, when: datetime, n: int = 1) -> str:
    """`YYYYMMDD_HHMMSS_<event>.json`; the n-th file of the same second gets `-n`."""
    base = f"{_stamp(when)}_{safe_name(event)}"
    return f"{base}.json" if n == 1 else f"{base}-{n}.json"


def _write_temp(log_dir: Path, data: bytes, *, sync: bool = True) -> Path:
    # Unique on this host (pid and a counter): no random bytes needed per file.
    tmp = log_dir / f".{os.getpid()}-{next(_temp_names)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _replace(log_dir: Path, path: Path, data: bytes, *, sync: bool = True) -> None:
    tmp = _write_temp(log_dir, data, sync=sync)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _link_new(log_dir: Path, event: str, when: datetime, tmp: Path, index: Path) -> Path:
    """The complete file `tmp` under a name nobody else has (link() refuses to overwrite, so
    racers differ); the entry's `index` names the file before the file appears."""
    base = (log_dir, log_file_name(event, when))
    first = _next_n.get(base, 1)
    for n in range(first, 10_000):
        path = log_dir / log_file_name(event, when, n)
        _set_index(index, path.name)
        try:
            os.link(tmp, path)
            if len(_next_n) >= _NEXT_N_LIMIT:
                _next_n.clear()
            _next_n[base] = n + 1
            return path
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            # A filesystem without hard links: best effort, check then rename.
            if not path.exists():
                os.replace(tmp, path)
                return path
    raise OSError(errno.EEXIST, f"too many log files for {log_file_name(event, when)}")


def read_document(path: Path) -> Document | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _index_path(log_dir: Path, identity: str) -> Path:
    name = safe_name(identity)
    if len(name) > 120:
        name = hashlib.sha256(name.encode()).hexdigest()
    return log_dir / INDEX_DIR / name


def _set_index(index: Path, name: str) -> None:
    """The index entry: a symbolic link to the event file (one system call, atomic; derived
    data, so no fsync of its own)."""
    target = f"../{name}"
    try:
        os.symlink(target, index)
    except FileExistsError:
        tmp = index.parent / f".{os.getpid()}-{next(_temp_names)}.tmp"
        os.symlink(target, tmp)
        os.replace(tmp, index)


def _read_index(index: Path) -> str:
    """The event file an index entry names ("" when none): a link, or a file holding the name
    (as older versions wrote them)."""
    try:
        return os.readlink(index).removeprefix("../")
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # EINVAL: a regular file
            return ""
    try:
        return index.read_text().strip()
    except OSError:
        return ""


def _index_complete(log_dir: Path) -> bool:
    """Whether every event file has its index entry: the marker, or a directory without event
    files yet (then the marker is set: from now on entries come before their files)."""
    marker = log_dir / INDEX_DIR / _COMPLETE
    if marker.exists():
        return True
    with os.scandir(log_dir) as entries:
        if any(e.name.endswith(".json") and e.name != LATEST for e in entries):
            return False
    marker.touch()
    return True


def _find_existing(
    log_dir: Path,
    identity: str,
    pattern: str,
    matches: Callable[[Document], bool],
    *,
    search: bool = True,
) -> tuple[Path, Document] | None:
    name = _read_index(_index_path(log_dir, identity))
    if name:
        doc = read_document(log_dir / name)
        if doc is not None and matches(doc):
            return log_dir / name, doc
    if not search:
        return None
    # Covers files written before the index was complete (or a lost index).
    for path in sorted(log_dir.glob(pattern)):
        doc = read_document(path)
        if doc is not None and matches(doc):
            return path, doc
    return None


@contextlib.contextmanager
def locked(log_dir: Path) -> Iterator[None]:
    """One writer at a time on this host (the API's delivery log and the worker's sink)."""
    log_dir = log_dir.expanduser()
    log_dir.mkdir(parents=True, exist_ok=True)
    index = log_dir / INDEX_DIR
    index.mkdir(exist_ok=True)
    fd = os.open(index / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@dataclass
class LogWrite:
    """One entry to write: `build(existing document or None)` gives its content, so a second
    writer of the same entry merges instead of adding a file; `matches` tells the entry in a
    file (crash recovery, latest.json); `search` lists other (event, time) names an earlier
    writer may have used."""

    identity: str
    event: str
    when: datetime
    build: Callable[[Document | None], Document]
    matches: Callable[[Document], bool]
    search: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass
class _Staged:
    tmp: Path  # the new content, complete, under a temporary name
    target: Path | None  # the entry's file to replace; None: a new name
    entry: LogWrite
    document: Document
    data: bytes


def _stage(log_dir: Path, entry: LogWrite, *, complete: bool, sync: bool) -> _Staged:
    found = None
    for name_event, name_when in [(entry.event, entry.when), *entry.search]:
        pattern = f"{_stamp(name_when)}_{safe_name(name_event)}*.json"
        found = _find_existing(log_dir, entry.identity, pattern, entry.matches, search=not complete)
        if found is not None:
            break
    document = entry.build(found[1] if found else None)
    data = encode(document)
    tmp = _write_temp(log_dir, data, sync=sync)
    return _Staged(tmp, found[0] if found else None, entry, document, data)


def _publish(log_dir: Path, staged: _Staged) -> Path:
    """The staged file takes its name: the entry's own file, or a new one."""
    if staged.target is not None:
        os.replace(staged.tmp, staged.target)
        return staged.target
    entry = staged.entry
    index = _index_path(log_dir, entry.identity)
    return _link_new(log_dir, entry.event, entry.when, staged.tmp, index)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_log_files(log_dir: Path, entries: list[LogWrite]) -> list[Path]:
    """Write many entries (the caller holds `locked(log_dir)`; latest.json is its to update):
    every file is written, then all are synced, then each takes its name — so a file appears
    only complete, as with write_log_file, for one journal commit instead of one per file.
    An entry written twice in the list merges with its first write. Returns the paths."""
    log_dir = log_dir.expanduser()
    complete = _index_complete(log_dir)
    paths: list[Path] = []
    staged: list[_Staged] = []
    try:
        for n, entry in enumerate(entries):
            staged.append(_stage(log_dir, entry, complete=complete, sync=False))
            later = entries[n + 1] if n + 1 < len(entries) else None
            if later is None or any(s.entry.identity == later.identity for s in staged):
                for done in staged:
                    _fsync(done.tmp)
                for done in staged:
                    paths.append(_publish(log_dir, done))
                    done.tmp.unlink(missing_ok=True)
                staged.clear()
    finally:
        for left in staged:
            left.tmp.unlink(missing_ok=True)
    return paths


def write_log_file(
    log_dir: Path,
    *,
    identity: str,
    event: str,
    when: datetime,
    build: Callable[[Document | None], Document],
    matches: Callable[[Document], bool],
    search: list[tuple[str, datetime]] | None = None,
    lock: bool = True,
    latest: bool = True,
) -> Path:
    """Write the entry `identity` (see LogWrite); latest.json follows whichever document was
    received last. A writer of many entries uses write_log_files under `locked(log_dir)` and
    one update_latest() for the newest. Raises OSError (the caller decides whether it is
    worth retrying)."""
    log_dir = log_dir.expanduser()
    entry = LogWrite(identity, event, when, build, matches, search or [])
    with locked(log_dir) if lock else contextlib.nullcontext():
        staged = _stage(log_dir, entry, complete=_index_complete(log_dir), sync=True)
        try:
            path = _publish(log_dir, staged)
        finally:
            staged.tmp.unlink(missing_ok=True)
        if latest:
            _update_latest(log_dir, staged.document, staged.data)
    return path


def _update_latest(log_dir: Path, document: Document, data: bytes) -> None:
    """latest.json holds the newest event: a retried or merged older one never replaces it
    (a copy of an event file: no fsync of its own)."""
    latest = log_dir / LATEST
    if not is_older(document, read_document(latest)):
        _replace(log_dir, latest, data, sync=False)


def update_latest(log_dir: Path, path: Path) -> None:
    """latest.json after writes with `latest=False`: the event file at `path`, unless older."""
    log_dir = log_dir.expanduser()
    data = path.read_bytes()
    document = json.loads(data)
    if isinstance(document, dict):
        _update_latest(log_dir, document, data)


def received(doc: Mapping[str, Any] | None) -> datetime | None:
    """A document's `received_at` as naive UTC (writers stamp aware or naive UTC times)."""
    try:
        when = datetime.fromisoformat(str((doc or {})["received_at"]))
    except (KeyError, ValueError):
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def is_older(doc: Mapping[str, Any], than: Mapping[str, Any] | None) -> bool:
    mine, theirs = received(doc), received(than)
    return mine is not None and theirs is not None and mine < theirs

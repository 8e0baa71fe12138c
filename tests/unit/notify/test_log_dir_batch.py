"""Many log entries at once (write_log_files): each file appears only once it is on disk, all
of a batch synced before the first appears; an entry named twice merges like two writes."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from notify.log_dir import INDEX_DIR, LogWrite, locked, write_log_files

WHEN = datetime(2026, 1, 1, 12, 30, 45)


def entry(key: str, value: int) -> LogWrite:
    return LogWrite(
        identity=f"delivery-{key}",
        event="push",
        when=WHEN,
        build=lambda existing: {
            **(existing or {}),
            "key": key,
            f"v{value}": value,
            "received_at": WHEN.isoformat(),
        },
        matches=lambda doc: doc.get("key") == key,
    )


def test_every_file_is_synced_before_any_appears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_fsync, real_link = os.fsync, os.link

    def fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    def link(src: Any, dst: Any, **kwargs: Any) -> None:
        calls.append("link")
        real_link(src, dst, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "link", link)
    with locked(tmp_path):
        paths = write_log_files(tmp_path, [entry(k, 1) for k in "abc"])
    assert calls == ["fsync"] * 3 + ["link"] * 3
    assert [json.loads(p.read_text())["key"] for p in paths] == ["a", "b", "c"]
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_an_entry_named_twice_in_a_batch_merges_into_one_file(tmp_path: Path) -> None:
    with locked(tmp_path):
        paths = write_log_files(tmp_path, [entry("a", 1), entry("b", 1), entry("a", 2)])
    assert paths[0] == paths[2] != paths[1]
    assert json.loads(paths[0].read_text()) == {
        "key": "a",
        "v1": 1,
        "v2": 2,
        "received_at": WHEN.isoformat(),
    }
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted({p.name for p in paths})
    assert (tmp_path / INDEX_DIR / "delivery-a").resolve() == paths[0].resolve()

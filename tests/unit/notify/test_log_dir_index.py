"""The LOG_DIR index: entries are links written before their file appears, so a complete index
answers "new entry" without searching the directory; older layouts are still read."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from notify.log_dir import INDEX_DIR, LATEST, update_latest, write_log_file

WHEN = datetime(2026, 1, 1, 12, 30, 45)


def write(log_dir: Path, key: str, *, when: datetime = WHEN, **options: Any) -> Path:
    return write_log_file(
        log_dir,
        identity=f"delivery-{key}",
        event="push",
        when=when,
        build=lambda existing: {**(existing or {}), "key": key, "received_at": when.isoformat()},
        matches=lambda doc: doc.get("key") == key,
        **options,
    )


def test_index_entry_links_to_its_file_and_marks_the_index_complete(tmp_path: Path) -> None:
    path = write(tmp_path, "a")
    index = tmp_path / INDEX_DIR / "delivery-a"
    assert index.is_symlink() and index.resolve() == path.resolve()
    assert (tmp_path / INDEX_DIR / ".complete").exists()
    assert write(tmp_path, "a") == path  # found through the link, rewritten in place


def test_complete_index_never_searches_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "a")

    def no_glob(self: Path, pattern: str) -> Any:
        raise AssertionError(f"searched for {pattern}")

    monkeypatch.setattr(Path, "glob", no_glob)
    second = write(tmp_path, "b")
    assert second.name == "20260101_123045_push-2.json"


def test_directory_from_before_is_searched_and_not_marked(tmp_path: Path) -> None:
    (tmp_path / "20260101_123045_push.json").write_text(
        json.dumps({"key": "old", "received_at": WHEN.isoformat()})
    )
    # An older writer's entry for it is lost: the search still finds its file.
    assert write(tmp_path, "old") == tmp_path / "20260101_123045_push.json"
    assert not (tmp_path / INDEX_DIR / ".complete").exists()


def test_index_entry_of_the_older_layout_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "a")
    index = tmp_path / INDEX_DIR / "delivery-a"
    index.unlink()
    index.write_text(path.name)  # how earlier versions wrote entries: the name in a file
    assert write(tmp_path, "a") == path
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [path.name, LATEST]


def test_a_busy_second_elsewhere_does_not_skip_names_here(tmp_path: Path) -> None:
    busy, fresh = tmp_path / "busy", tmp_path / "fresh"
    names = [write(busy, str(n)).name for n in range(3)]
    assert names[-1] == "20260101_123045_push-3.json"
    assert write(fresh, "x").name == "20260101_123045_push.json"


def test_a_name_taken_behind_the_hint_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "a")
    os.link(tmp_path / "20260101_123045_push.json", tmp_path / "20260101_123045_push-2.json")
    assert write(tmp_path, "b").name == "20260101_123045_push-3.json"


def test_latest_once_for_a_pass_follows_the_newest(tmp_path: Path) -> None:
    newer = write(tmp_path, "new", when=WHEN.replace(minute=31), latest=False)
    older = write(tmp_path, "old", latest=False)
    assert not (tmp_path / LATEST).exists()
    update_latest(tmp_path, newer)
    update_latest(tmp_path, older)  # an older one never replaces it
    assert json.loads((tmp_path / LATEST).read_text())["key"] == "new"

"""kill_orphans with no usable record of a process group does nothing."""

from __future__ import annotations

from pathlib import Path

from activities.process import kill_orphans


def test_kill_orphans_without_a_record_does_nothing(tmp_path: Path) -> None:
    assert kill_orphans(tmp_path / "missing.pgid", "HOOKFLOW_RUN_ID=x") == 0
    (tmp_path / "bad.pgid").write_text("not a number")
    assert kill_orphans(tmp_path / "bad.pgid", "HOOKFLOW_RUN_ID=x") == 0

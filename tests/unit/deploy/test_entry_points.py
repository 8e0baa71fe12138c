"""The `hookflow` command's seed-002 `--test` flag, as an operator runs it."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from cli.main import main as cli_main
from tests.support.files import FIXTURES


def test_cli_accepts_seed_002_test_flag() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli_main(["--test", str(FIXTURES / "events" / "seed_test_webhook.json")])
    assert code == 0
    assert "ci_failure (priority high)" in out.getvalue()


def test_cli_test_mode_on_ignored_payload_prints_reason(tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_text(
        json.dumps({"_event_type": "star", "action": "created", "repository": {"full_name": "o/r"}})
    )
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main(["test", str(payload)]) == 0
    assert "ignored" in out.getvalue()

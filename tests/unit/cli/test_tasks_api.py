"""`hookflow` API commands from the command line: an API that answers with an error is reported, not
raised."""

from __future__ import annotations

import pytest

from cli.main import main as cli_main
from tests.support.webhooks import API_TOKEN, SECRET


@pytest.mark.parametrize(
    ("argv", "code", "said"),
    [
        (["task", "ack", "--repo", "no-slash"], 2, "--repo must be owner/name"),
        (["task", "--api-url", "http://127.0.0.1:9", "list"], 1, "cannot reach"),
        (
            ["run", "--api-url", "http://127.0.0.1:9", "start", "--repo", "o/r", "--issue", "1"],
            1,
            "cannot reach",
        ),
        (["replay", "--api-url", "http://127.0.0.1:9", "guid"], 1, "cannot reach"),
    ],
)
def test_cli_api_command_from_the_command_line_reports_its_error(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    said: str,
) -> None:
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("API_TOKEN", API_TOKEN)
    assert cli_main(argv) == code
    assert said in capsys.readouterr().err

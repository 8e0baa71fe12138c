"""The version is written once and shown everywhere; LICENSE is Apache-2.0's full text; the
changelog follows Keep a Changelog with an entry for the current version."""

from __future__ import annotations

import re
import tomllib

import pytest

from cli.main import main as cli_main
from ops.version import VERSION
from tests.support.files import ROOT


def test_version_is_written_once_and_read_by_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "ops.version.VERSION"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_hookflow_version_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"hookflow {VERSION}"


def test_changelog_has_an_entry_for_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.MULTILINE)
    assert releases[0] == ("Unreleased", "")
    version, date = releases[1]
    assert version == VERSION and date
    assert "Keep a Changelog" in text
    entry = text.split(f"## [{VERSION}]", 1)[1].split("\n## [", 1)[0]
    sections = re.findall(r"^### (\w+)$", entry, re.MULTILINE)
    assert sections and set(sections) <= {
        "Added",
        "Changed",
        "Deprecated",
        "Removed",
        "Fixed",
        "Security",
    }
    for label in ("Unreleased", VERSION):
        assert re.search(rf"^\[{re.escape(label)}\]: https://", text, re.MULTILINE)


def test_license_is_the_full_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    for section in (
        "1. Definitions.",
        "2. Grant of Copyright License.",
        "3. Grant of Patent License.",
        "4. Redistribution.",
        "5. Submission of Contributions.",
        "6. Trademarks.",
        "7. Disclaimer of Warranty.",
        "8. Limitation of Liability.",
        "9. Accepting Warranty or Additional Liability.",
    ):
        assert section in text
    assert "END OF TERMS AND CONDITIONS" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]

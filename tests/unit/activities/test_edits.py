"""SEARCH/REPLACE edits: parsing, applying, and confinement to the worktree (table tests)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from activities.edits import EditBlock, EditError, apply_edits, parse_edits


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text("[core]\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def f():\n    return 1\n")
    (root / "twice.txt").write_text("x\nx\n")
    (tmp_path / "outside.txt").write_text("secret\n")
    return root


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (block("a.py", "old\n", "new\n"), [EditBlock("a.py", "old\n", "new\n")]),
        (
            "Summary line\n```python\n" + block("src/b.py", "", "x = 1\n") + "```\n",
            [EditBlock("src/b.py", "", "x = 1\n")],
        ),
        (
            block("`c.md`", "a\n", "") + "\n" + block("d.md", "b\n", "c\n"),
            [EditBlock("c.md", "a\n", ""), EditBlock("d.md", "b\n", "c\n")],
        ),
        ("no edits here", []),
    ],
)
def test_parse_edits_reads_blocks(text: str, expected: list[EditBlock]) -> None:
    assert parse_edits(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.py\n<<<<<<< SEARCH\nold\n>>>>>>> REPLACE\n", "no '=======' line"),
        ("a.py\n<<<<<<< SEARCH\nold\n=======\nnew\n", "no '>>>>>>> REPLACE'"),
        ("<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n", "no file path"),
        ("a.py\n=======\nnew\n>>>>>>> REPLACE\n", "without a '<<<<<<< SEARCH'"),
    ],
)
def test_parse_edits_rejects_malformed_block(text: str, message: str) -> None:
    with pytest.raises(EditError, match=message):
        parse_edits(text)


def test_apply_edits_changes_and_creates_files(tree: Path) -> None:
    text = block("src/app.py", "    return 1\n", "    return 2\n") + block(
        "docs/new.md", "", "# New\n"
    )
    changed = apply_edits(tree, text)
    assert changed == ["src/app.py", "docs/new.md"]
    assert (tree / "src" / "app.py").read_text() == "def f():\n    return 2\n"
    assert (tree / "docs" / "new.md").read_text() == "# New\n"


@pytest.mark.parametrize(
    ("path", "search", "message"),
    [
        ("src/app.py", "    return 3\n", "not found"),
        ("twice.txt", "x\n", "matches 2 places"),
        ("missing.py", "a\n", "does not exist"),
        ("src/app.py", "", "file is not empty"),
        ("src", "", "is a directory"),
    ],
)
def test_apply_edits_reports_block_that_does_not_apply(
    tree: Path, path: str, search: str, message: str
) -> None:
    before = (tree / "src" / "app.py").read_text()
    text = block("src/app.py", "    return 1\n", "    return 9\n") + block(path, search, "y\n")
    with pytest.raises(EditError, match=f"block 2.*{message}"):
        apply_edits(tree, text)
    assert (tree / "src" / "app.py").read_text() == before, "all or nothing"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (".git/config", "under .git/"),
        ("src/../.git/hooks/pre-commit", "'..'"),
        ("../outside.txt", "'..'"),
        ("/etc/passwd", "absolute"),
        ("~/.bashrc", "absolute"),
        ("link-out/outside.txt", "outside the repository"),
        ("link-file", "outside the repository"),
        ("link-git/config", "into .git/"),
    ],
)
def test_apply_edits_refuses_path_outside_worktree(tree: Path, path: str, message: str) -> None:
    os.symlink(tree.parent, tree / "link-out")
    os.symlink(tree.parent / "outside.txt", tree / "link-file")
    os.symlink(tree / ".git", tree / "link-git")
    with pytest.raises(EditError, match=message):
        apply_edits(tree, block(path, "", "pwned\n"))
    assert (tree.parent / "outside.txt").read_text() == "secret\n"
    assert (tree / ".git" / "config").read_text() == "[core]\n"


def test_apply_edits_refuses_answer_without_blocks(tree: Path) -> None:
    with pytest.raises(EditError, match="no SEARCH/REPLACE block"):
        apply_edits(tree, "I changed nothing.")

"""SEARCH/REPLACE edit blocks from a model: parse them, and apply them inside one worktree only
(no `.git/`, no path outside it, no symlink that leads out), all or nothing."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

SEARCH = re.compile(r"^<{5,9} ?SEARCH\s*$")
DIVIDER = re.compile(r"^={5,9}\s*$")
REPLACE = re.compile(r"^>{5,9} ?REPLACE\s*$")
FENCE = re.compile(r"^\s*```")
MAX_FILE_BYTES = 2_000_000

FORMAT_HELP = """Edit format (the only one accepted): for each change, the file path on its own
line, then

<<<<<<< SEARCH
exact lines copied from the current file
=======
the lines that replace them
>>>>>>> REPLACE

An empty SEARCH section creates a new file. The SEARCH text must match the file exactly once."""


class EditError(ValueError):
    """The edits cannot be applied; the message says which block and why (shown to the model)."""


@dataclass(frozen=True)
class EditBlock:
    path: str
    search: str
    replace: str


def _clean_path(line: str) -> str:
    return line.strip().strip("`*#:").strip()


def _marker_line(
    lines: list[str], start: int, marker: re.Pattern[str], *others: re.Pattern[str]
) -> int | None:
    """The index of the first `marker` line from `start` on; None if the text ends or another
    marker comes first."""
    for index in range(start, len(lines)):
        if marker.match(lines[index]):
            return index
        if any(other.match(lines[index]) for other in others):
            return None
    return None


def parse_edits(text: str) -> list[EditBlock]:
    """Every SEARCH/REPLACE block in `text`, in order; a malformed block raises EditError."""
    lines = text.splitlines()
    blocks: list[EditBlock] = []
    i = 0
    while i < len(lines):
        if not SEARCH.match(lines[i]):
            if DIVIDER.match(lines[i]) or REPLACE.match(lines[i]):
                raise EditError(
                    f"line {i + 1}: {lines[i].strip()!r} without a '<<<<<<< SEARCH' line before it"
                )
            i += 1
            continue
        number = len(blocks) + 1
        back = i - 1
        while back >= 0 and (not lines[back].strip() or FENCE.match(lines[back])):
            back -= 1
        path = _clean_path(lines[back]) if back >= 0 else ""
        if not path or SEARCH.match(lines[back]) or REPLACE.match(lines[back]):
            raise EditError(
                f"block {number} (line {i + 1}): no file path on the line before '<<<<<<< SEARCH'"
            )
        j = _marker_line(lines, i + 1, DIVIDER, SEARCH, REPLACE)
        if j is None:
            raise EditError(f"block {number} ({path}): no '=======' line after SEARCH")
        k = _marker_line(lines, j + 1, REPLACE, SEARCH, DIVIDER)
        if k is None:
            raise EditError(f"block {number} ({path}): no '>>>>>>> REPLACE' line to end it")
        search, replace = lines[i + 1 : j], lines[j + 1 : k]
        blocks.append(EditBlock(path, _join(search), _join(replace)))
        i = k + 1
    return blocks


def _join(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def confined_path(root: Path, relative: str) -> Path:
    """The absolute path for `relative` inside `root`, refusing anything that leaves it or
    touches git's own data (symlinks are resolved before the check)."""
    if not relative or "\x00" in relative:
        raise EditError(f"{relative!r}: not a file path")
    candidate = Path(relative)
    if candidate.is_absolute() or relative.startswith("~"):
        raise EditError(
            f"{relative}: absolute paths are not allowed; use a path relative to "
            "the repository root"
        )
    if ".." in candidate.parts:
        raise EditError(f"{relative}: '..' is not allowed in paths")
    if ".git" in candidate.parts:
        raise EditError(f"{relative}: files under .git/ cannot be edited")
    base = Path(os.path.realpath(root))
    resolved = Path(os.path.realpath(base / candidate))
    if resolved != base and base not in resolved.parents:
        raise EditError(f"{relative}: resolves outside the repository (symlink)")
    inside = resolved.relative_to(base)
    if ".git" in inside.parts:
        raise EditError(f"{relative}: resolves into .git/ (symlink)")
    if resolved == base or resolved.is_dir():
        raise EditError(f"{relative}: is a directory, not a file")
    return resolved


def _read(path: Path, relative: str) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise EditError(f"{relative}: larger than {MAX_FILE_BYTES} bytes; not edited")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise EditError(f"{relative}: not a UTF-8 text file") from None


def plan_edits(root: Path, blocks: list[EditBlock]) -> dict[Path, str]:
    """The new content of every file the blocks touch; raises EditError naming the first block
    that does not apply (nothing is written)."""
    if not blocks:
        raise EditError("no SEARCH/REPLACE block found in the answer")
    contents: dict[Path, str] = {}
    for number, block in enumerate(blocks, start=1):
        where = f"block {number} ({block.path})"
        try:
            path = confined_path(root, block.path)
        except EditError as exc:
            raise EditError(f"block {number}: {exc}") from None
        if path not in contents:
            contents[path] = _read(path, block.path) if path.exists() else ""
            if not path.exists() and block.search.strip():
                raise EditError(
                    f"{where}: the file does not exist (use an empty SEARCH section to create it)"
                )
        current = contents[path]
        if not block.search.strip():
            if current.strip():
                raise EditError(
                    f"{where}: empty SEARCH but the file is not empty; copy the "
                    "lines to change into SEARCH"
                )
            contents[path] = block.replace
            continue
        count = current.count(block.search)
        if count == 0:
            raise EditError(
                f"{where}: the SEARCH text was not found in the file; copy it "
                "exactly from the current content, whitespace included"
            )
        if count > 1:
            raise EditError(
                f"{where}: the SEARCH text matches {count} places; include more "
                "surrounding lines so it matches exactly one"
            )
        contents[path] = current.replace(block.search, block.replace, 1)
    return contents


def apply_edits(root: Path, text: str) -> list[str]:
    """Parse and apply the blocks in `text` under `root`; returns the changed paths (relative)."""
    contents = plan_edits(root, parse_edits(text))
    base = Path(os.path.realpath(root))
    changed = []
    for path, content in contents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        changed.append(str(path.relative_to(base)))
    return changed

"""The repository's own instructions for agents, read from the run's workspace: AGENTS.md, else
.github/copilot-instructions.md, else CLAUDE.md. The workspace is the agent's (and the
repository's) to shape, and this runs in the worker: no symlink is followed, anywhere."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from agent_context.hidden_text import Removal, clean

INSTRUCTION_FILES = ("AGENTS.md", ".github/copilot-instructions.md", "CLAUDE.md")
READ_LIMIT = 1_000_000  # bytes read at most, whatever the budget


@dataclass(frozen=True)
class Instructions:
    file: str  # relative to the workspace
    text: str  # cleaned, cut to the budget
    truncated: bool
    removed: tuple[Removal, ...]

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "text": self.text, "truncated": self.truncated}


def _read_plain_file(root: Path, relative: str) -> bytes | None:
    """The file's first READ_LIMIT bytes when every component under `root` is a real directory
    and the file a regular file (O_NOFOLLOW on each step); else None."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        parts = relative.split("/")
        for part in parts[:-1]:
            next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        file_fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    except OSError:
        os.close(fd)
        return None
    os.close(fd)
    try:
        if not stat.S_ISREG(os.fstat(file_fd).st_mode):
            return None
        with os.fdopen(file_fd, "rb", closefd=False) as f:
            return f.read(READ_LIMIT)
    finally:
        os.close(file_fd)


def clip_bytes(text: str, limit: int) -> tuple[str, bool]:
    data = text.encode()
    if len(data) <= limit:
        return text, False
    return data[:limit].decode(errors="ignore") + "\n…(cut to fit LLM_CONTEXT_BYTES)", True


def read_instructions(workspace: str | None, budget: int) -> Instructions | None:
    """The first instruction file the workspace has, cleaned of hidden text, within `budget`
    bytes; None without a workspace or such a file."""
    if not workspace:
        return None
    for relative in INSTRUCTION_FILES:
        data = _read_plain_file(Path(workspace), relative)
        if data is None:
            continue
        cleaned = clean(data.decode("utf-8", errors="replace"))
        text, truncated = clip_bytes(cleaned.text, budget)
        return Instructions(relative, text, truncated or len(data) >= READ_LIMIT, cleaned.removed)
    return None

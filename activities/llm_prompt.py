"""What the built-in LLM agent sends for one phase: the phase's prompt file, the issue, its
discussion and the repository's instructions for agents, earlier artifacts and a bounded view of
the repository (file list + the files the plan names)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from activities.edits import FORMAT_HELP

PACKAGED_PROMPTS = Path(__file__).resolve().parent / "prompts"
MAX_LISTED_FILES = 2000
SKIPPED_DIRS = frozenset(
    {
        ".git",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "dist",
        "build",
    }
)
_PATHISH = re.compile(r"[A-Za-z0-9_.\-/]+\.[A-Za-z0-9]+|[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-/]+")


def load_prompt(name: str, override_dir: Path | None) -> str:
    """`<name>.md` from RUN_PROMPTS_DIR when it has one, else the packaged prompt (or the
    packaged default for phases without their own file)."""
    for folder in ([override_dir.expanduser()] if override_dir else []) + [PACKAGED_PROMPTS]:
        path = folder / f"{name}.md"
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    if name == "system":
        return ""
    return load_prompt("default", override_dir).replace("{phase}", name)


def list_files(root: Path, limit: int = MAX_LISTED_FILES) -> list[str]:
    """Repository files (relative, sorted), without .git/ and dependency/cache folders;
    symlinks are listed but never followed."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        rel = Path(folder).relative_to(root)
        for name in sorted(files):
            found.append(str(rel / name) if rel != Path(".") else name)
            if len(found) >= limit:
                return found
    return found


def named_files(texts: list[str], files: list[str]) -> list[str]:
    """Repository files mentioned in `texts` (the plan first), in order of first mention."""
    known = set(files)
    by_name: dict[str, str] = {}
    for f in files:
        by_name.setdefault(Path(f).name, f)
    seen: list[str] = []
    for text in texts:
        for token in _PATHISH.findall(text):
            token = (token[2:] if token.startswith("./") else token).rstrip(".")
            match = token if token in known else by_name.get(token)
            if match and match not in seen:
                seen.append(match)
    return seen


def _read_text(root: Path, relative: str) -> str | None:
    path = root / relative
    if path.is_symlink() or not path.is_file():
        return None  # a symlink could point anywhere on the worker: never read through it
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def repo_view(root: Path, mentions: list[str], budget: int) -> str:
    """The file list and the mentioned files' content, within `budget` bytes in total."""
    files = list_files(root)
    listing = "\n".join(files)
    if len(listing.encode()) > budget // 3:
        listing = listing.encode()[: budget // 3].decode(errors="ignore") + "\n…(list cut)"
    parts = [f"### Files\n{listing}"]
    used = len(parts[0].encode())
    for relative in named_files(mentions, files):
        text = _read_text(root, relative)
        if text is None:
            continue
        section = f"### {relative}\n```\n{text}\n```"
        size = len(section.encode())
        if used + size > budget:
            parts.append(f"### {relative}\n(not shown: over LLM_CONTEXT_BYTES)")
            continue
        parts.append(section)
        used += size
    return "\n\n".join(parts)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, default=str)


def _clip(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit].decode(errors="ignore") + "\n…(cut to fit LLM_CONTEXT_BYTES)"


def context_sections(request: dict[str, Any], context_bytes: int) -> list[str]:
    """The issue's discussion (oldest first) and the repository's instructions for agents, as
    the phase request carries them (already cleaned and bounded; clipped again here)."""
    sections = []
    comments = [c for c in request.get("comments") or [] if isinstance(c, dict)]
    if comments:
        omitted = int(request.get("omittedComments") or 0)
        lines = [f"({omitted} older comments not shown)"] if omitted else []
        for c in comments:
            who = f"@{c.get('author') or 'someone'}"
            about = ", ".join(str(x) for x in (c.get("association"), c.get("createdAt")) if x)
            lines.append(f"### {who}" + (f" ({about})" if about else "") + f"\n{c.get('body')}")
        text = _clip("\n\n".join(lines), context_bytes // 4)
        sections.append(f"## Discussion on the issue (oldest first)\n{text}")
    instructions = request.get("instructions")
    if isinstance(instructions, dict) and instructions.get("text"):
        text = _clip(str(instructions["text"]), context_bytes // 8)
        sections.append(f"## Repository instructions ({instructions.get('file')})\n{text}")
    return sections


def build_messages(
    request: dict[str, Any],
    *,
    prompts_dir: Path | None,
    context_bytes: int,
    changed: list[str] | None = None,
) -> list[dict[str, str]]:
    """The chat messages for one phase (`request` is the JSON every agent backend receives;
    `changed` the files the run's branch already changed)."""
    phase = str(request.get("phase") or "")
    issue = request.get("issue") or {}
    previous = request.get("previous") or {}
    system = load_prompt("system", prompts_dir)
    if phase == "implement":
        system = f"{system}\n\n{FORMAT_HELP}"
    sections = [load_prompt(phase, prompts_dir)]
    sections.append(
        f"## Issue #{issue.get('number')}: {issue.get('title') or ''}\n\n"
        f"{_clip(str(issue.get('body') or '(no description)'), context_bytes // 4)}"
    )
    sections += context_sections(request, context_bytes)
    if previous:
        done = "\n\n".join(f"### {name}\n{_text(value)}" for name, value in previous.items())
        sections.append(f"## Earlier phases\n{_clip(done, context_bytes // 4)}")
    for key, title in (("ciFailure", "CI failure to fix"), ("feedback", "Review feedback")):
        if request.get(key):
            sections.append(f"## {title}\n{_clip(str(request[key]), context_bytes // 8)}")
    workspace = request.get("workspace")
    if workspace:
        used = sum(len(s.encode()) for s in sections) + len(system.encode())
        # The run's own changes first (what feedback and CI failures are about), then the plan.
        mentions = [
            "\n".join(changed or []),
            _text(previous.get("plan", "")),
            str(request.get("feedback") or ""),
            str(request.get("ciFailure") or ""),
            str(issue.get("body") or ""),
        ]
        view = repo_view(Path(workspace), mentions, max(1000, context_bytes - used))
        sections.append(f"## Repository\n{view}")
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": "\n\n".join(sections)},
    ]

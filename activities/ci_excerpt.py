"""Excerpts of GitHub Actions job logs: the lines around the step's first error (no I/O)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["log_excerpt", "shrink_excerpt"]

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")
# `gh run view --log` prefixes every line with "<job>\t<step>\t".
_GH_CLI_PREFIX = re.compile(r"^[^\t\n]*\t[^\t\n]*\t(?=\d{4}-\d\d-\d\dT)")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
_STEP_HEADER = re.compile(r"^##\[group\](Run .*)$")
_POST_JOB = re.compile(
    r"^(?:##\[group\])?(?:Post job cleanup\.?|Post Run \S.*|Cleaning up orphan processes)\s*$"
)
_RUNNER_ERROR = re.compile(r"^##\[error\]")
_ERROR_TEXT = re.compile(
    r"(?:^##\[error\]"
    r"|(?<![\w-])(?:[Ee]rror|ERROR)(?:\[\w+\])?:"  # "Error: …", rustc "error[E0425]: …"
    r"|\b[A-Z]\w*(?:Error|Exception)(?::|$)"  # "ValueError: …", pytest "E   AssertionError"
    r"|\bFAILED\b"
    r"|^\s*FAIL\s+\S"  # jest
    r"|^E {3,}\S"  # pytest's assertion explanation lines
    r"|^\s*Traceback \(most recent call last\)"
    r"|^npm (?:ERR!|error)\s"
    r"|(?<![\w-])fatal:)"
)
_GAP = "…"


def _clean_line(raw: str) -> str:
    line = _GH_CLI_PREFIX.sub("", raw.lstrip("\ufeff"))
    line = _TIMESTAMP.sub("", line)
    return _ANSI.sub("", line).rstrip()


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class _Section:
    title: str
    start: int
    end: int  # exclusive


def _sections(lines: Sequence[str], stop: int) -> list[_Section]:
    """Split ``lines[:stop]`` into the job's steps: each starts at a ``##[group]Run …`` line."""
    sections = [_Section("Set up job", 0, stop)]
    for i in range(stop):
        m = _STEP_HEADER.match(lines[i])
        if m:
            sections[-1].end = i
            sections.append(_Section(m.group(1), i, stop))
    return [s for s in sections if s.end > s.start]


def _step_matches(title: str, step_name: str) -> bool:
    t, s = _norm(title), _norm(step_name)
    if not s:
        return False
    bare = t.removeprefix("run ")
    return s in (t, bare) or (len(s) >= 4 and (t.startswith(s) or bare.startswith(s)))


# Substrings at least one of which every _ERROR_TEXT match contains: a cheap filter first.
_ERROR_HINTS = ("rror", "ERROR", "FAIL", "Exception", "Traceback", "npm ", "fatal:", "E   ")


def _is_error_text(line: str) -> bool:
    return any(h in line for h in _ERROR_HINTS) and _ERROR_TEXT.search(line) is not None


def _first(lines: Sequence[str], start: int, end: int, rx: re.Pattern[str]) -> int | None:
    if rx is _ERROR_TEXT:
        return next((i for i in range(start, end) if _is_error_text(lines[i])), None)
    return next((i for i in range(start, end) if rx.search(lines[i])), None)


def _fit_lines(lines: Sequence[str], anchors: Sequence[int], max_chars: int) -> str:
    """Join ``lines`` into at most ``max_chars``, keeping the anchor lines first and then the
    lines nearest to them; dropped runs of lines become a single "…" line."""
    if max_chars <= 0 or not lines:
        return ""
    full = "\n".join(lines)
    if len(full) <= max_chars:
        return full
    anchors = sorted(set(anchors)) or [len(lines) - 1]
    dist = [min(abs(i - a) for a in anchors) for i in range(len(lines))]
    order = sorted(range(len(lines)), key=lambda i: (dist[i], i))
    keep: list[int] = []
    used = 0
    for i in order:
        if used + len(lines[i]) + 1 > max_chars and keep:
            if len(lines[i]) > max_chars // 4:
                continue  # skip one huge line rather than lose all context beyond it
            break
        keep.append(i)
        used += len(lines[i]) + 1
    while True:
        text = _join_with_gaps(lines, keep)
        if len(text) <= max_chars or len(keep) == 1:
            break
        keep.pop()  # the farthest line from any anchor goes first
    if len(text) > max_chars:  # a single anchor line longer than the whole budget
        text = text[: max(0, max_chars - len(_GAP))] + _GAP if max_chars > len(_GAP) else ""
    return text


def _join_with_gaps(lines: Sequence[str], keep: Sequence[int]) -> str:
    out: list[str] = []
    prev = -1
    for i in sorted(keep):
        if i != prev + 1:
            out.append(_GAP)
        out.append(lines[i])
        prev = i
    if prev != len(lines) - 1:
        out.append(_GAP)
    return "\n".join(out)


def log_excerpt(
    log_text: str,
    *,
    step_name: str | None = None,
    context_before: int = 20,
    context_after: int = 10,
    max_chars: int = 20000,
) -> str:
    """The lines around the first error of a GitHub Actions job log, timestamps stripped.

    The search covers the step called ``step_name`` if its ``##[group]Run …`` section is found,
    otherwise the last step with an ``##[error]`` (the one that stopped the job; earlier ones had
    ``continue-on-error``), otherwise the whole log; post-job
    steps ("Post job cleanup.", "Cleaning up orphan processes") are never searched. The window
    covers the first error-looking line and the first ``##[error]`` line of that section; with
    no error at all the section's last lines are returned. At most ``max_chars`` characters,
    keeping the error line itself when trimming.
    """
    lines = [_clean_line(raw) for raw in log_text.splitlines()]
    post = _first(lines, 0, len(lines), _POST_JOB)
    stop = len(lines) if post is None else post
    sections = _sections(lines, stop)

    start, end = 0, stop
    chosen: _Section | None = None
    if step_name and _norm(step_name).startswith("post ") and post is not None:
        start, end = post, len(lines)  # the failing step is itself a post-job step
    elif step_name:
        named = [s for s in sections if _step_matches(s.title, step_name)]
        failed = [s for s in named if _first(lines, s.start, s.end, _RUNNER_ERROR) is not None]
        if failed or named:
            chosen = (failed or named)[-1]
    if chosen is None and (start, end) == (0, stop):
        # A failing step ends the job's main steps, so the last step with an ##[error] is the
        # one that failed it (earlier ones had continue-on-error).
        failed = [s for s in sections if _first(lines, s.start, s.end, _RUNNER_ERROR) is not None]
        if failed:
            chosen = failed[-1]
    if chosen is not None:
        start, end = chosen.start, chosen.end

    first_text = _first(lines, start, end, _ERROR_TEXT)
    first_runner = _first(lines, start, end, _RUNNER_ERROR)
    anchors = sorted({i for i in (first_text, first_runner) if i is not None})
    if not anchors:
        anchors = [end - 1] if end > start else []
    keep: set[int] = set()
    for a in anchors:
        keep.update(range(max(start, a - context_before), min(end, a + context_after + 1)))
    picked: list[str] = []
    picked_anchors: list[int] = []
    prev = None
    for i in sorted(keep):
        if lines[i] == "##[endgroup]":
            prev = i
            continue
        if prev is not None and i > prev + 1 and picked and picked[-1] != _GAP:
            picked.append(_GAP)
        if i in anchors:
            picked_anchors.append(len(picked))
        picked.append(lines[i].removeprefix("##[group]"))
        prev = i
    return _fit_lines(picked, picked_anchors, max_chars)


def shrink_excerpt(excerpt: str, budget: int) -> str:
    """``excerpt`` cut to ``budget`` characters around its first error line."""
    if budget <= 0:
        return ""
    lines = excerpt.splitlines()
    anchor = _first(lines, 0, len(lines), _ERROR_TEXT)
    return _fit_lines(lines, [anchor] if anchor is not None else [len(lines) - 1], budget)

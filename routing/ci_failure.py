"""CI-failure text: fingerprints, workflow ids, log excerpts and issue/comment bodies (no I/O).

Everything here is pure and deterministic so the API, the workflows and the CLI's dry run
produce the same ids and the same Markdown for the same inputs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from routing.workflow_ids import canonical_repo, ci_failure_workflow_id, key_hash

__all__ = [
    "GITHUB_BODY_LIMIT",
    "FailedJob",
    "ci_failure_workflow_id",
    "failure_comment_body",
    "failure_issue_body",
    "failure_issue_title",
    "fingerprint",
    "flaky_reopen_comment_body",
    "log_excerpt",
    "recovery_comment_body",
]

GITHUB_BODY_LIMIT = 65536  # GitHub answers 422 for issue/comment bodies longer than this

# ---------------------------------------------------------------------------------------------
# Fingerprint and workflow id
# ---------------------------------------------------------------------------------------------


def fingerprint(repo: str, workflow: str, branch: str) -> str:
    """A stable 16-hex-digit key for one (repository, workflow, branch) failure stream."""
    return key_hash(canonical_repo(repo), workflow, branch)[:16]


# ---------------------------------------------------------------------------------------------
# Log excerpt
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Issue and comment bodies
# ---------------------------------------------------------------------------------------------


@dataclass
class FailedJob:
    """One failed job of a workflow run, as shown in an issue or comment."""

    name: str
    url: str
    failed_steps: list[str] = field(default_factory=list)
    excerpt: str = ""


_MAX_NAME = 200
_MAX_STEPS_LISTED = 10
_MIN_EXCERPT = 300
_TRUNCATED_NOTE = (
    "_Log excerpt truncated to keep this text under GitHub's size limit; "
    "the full log is in the run._"
)


def _clip(text: str, limit: int = _MAX_NAME) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code(text: str) -> str:
    """An inline code span that no backtick in ``text`` can close (and that never pings)."""
    text = _clip(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _link(label: str, url: str) -> str:
    safe_url = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{_code(label)}]({safe_url})" if url else _code(label)


def _short_sha(sha: str) -> str:
    return _code(sha[:12] if re.fullmatch(r"[0-9a-fA-F]{13,}", sha) else sha)


def _fenced(excerpt: str) -> str:
    # A fence longer than any backtick run inside keeps ``` in the excerpt from closing it;
    # absurd runs are shortened first so the fence itself stays small.
    excerpt = re.sub(r"`{9,}", "````````", excerpt)
    longest = max((len(m) for m in re.findall(r"`+", excerpt)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{excerpt}\n{fence}"


def _job_section(job: FailedJob, excerpt: str, truncated: bool, heading: str) -> str:
    parts = [f"{heading} {_link(job.name, job.url)}"]
    steps = [s for s in job.failed_steps if s.strip()]
    if steps:
        listed = ", ".join(_code(s) for s in steps[:_MAX_STEPS_LISTED])
        more = len(steps) - _MAX_STEPS_LISTED
        parts.append(f"Failed steps: {listed}" + (f" and {more} more" if more > 0 else ""))
    if excerpt:
        # Names go inside <code> so an "@someone" in them never becomes a mention.
        summary = "Log excerpt"
        if steps:
            summary += f" — <code>{html.escape(_clip(steps[0], 120))}</code>"
        parts.append(f"<details><summary>{summary}</summary>\n\n{_fenced(excerpt)}\n\n</details>")
        if truncated:
            parts.append(_TRUNCATED_NOTE)
    return "\n\n".join(parts)


def _shrink_excerpt(excerpt: str, budget: int) -> str:
    if budget <= 0:
        return ""
    lines = excerpt.splitlines()
    anchor = _first(lines, 0, len(lines), _ERROR_TEXT)
    return _fit_lines(lines, [anchor] if anchor is not None else [len(lines) - 1], budget)


def _fair_budgets(lengths: Sequence[int], total: int) -> list[int]:
    """Water-filling: short excerpts keep their size, long ones share what is left equally."""
    budgets = [0] * len(lengths)
    remaining = max(0, total)
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    for pos, i in enumerate(order):
        share = remaining // (len(order) - pos)
        budgets[i] = min(lengths[i], share)
        remaining -= budgets[i]
    return budgets


def _render_jobs(
    render: Callable[[list[str], int], str],
    jobs: Sequence[FailedJob],
    heading: str,
    limit: int,
) -> str:
    """Render ``render(job_sections, omitted)`` within ``limit`` characters.

    Excerpts are shrunk fairly first; if even the bare job list does not fit, trailing jobs are
    summarised as "and N more".
    """
    excerpts = [j.excerpt.strip("\n") for j in jobs]

    def build(shown: int, budgets: list[int] | None) -> str:
        sections = []
        for k, job in enumerate(jobs[:shown]):
            text = excerpts[k]
            truncated = False
            if budgets is not None and len(text) > budgets[k]:
                text, truncated = _shrink_excerpt(text, budgets[k]), True
            sections.append(_job_section(job, text, truncated, heading))
        return render(sections, len(jobs) - shown)

    if sum(len(e) for e in excerpts) <= limit:
        full = build(len(jobs), None)
        if len(full) <= limit:
            return full

    def wrapper(job: FailedJob) -> int:
        # Cost of an excerpt's <details>, fence (up to 9 backticks) and truncation note.
        bare = len(_job_section(job, "", False, heading))
        return len(_job_section(job, "x", True, heading)) - bare + 2 * 9

    wrappers = [wrapper(j) for j in jobs]

    def room_for(shown: int) -> int:
        return limit - len(build(shown, [0] * shown)) - sum(wrappers[:shown])

    # The most jobs that still leave every shown job a useful excerpt (fixed cost is monotonic).
    lo, hi = 0, len(jobs)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if room_for(mid) >= mid * _MIN_EXCERPT:
            lo = mid
        else:
            hi = mid - 1
    shown = lo
    room = room_for(shown)
    budgets = _fair_budgets([len(e) for e in excerpts[:shown]], room)
    body = build(shown, budgets)
    for _ in range(5):  # belt and braces: fence widths can differ slightly from the estimate
        if len(body) <= limit:
            return body
        excess = len(body) - limit
        budgets = [max(0, b - excess // max(1, shown) - 1) for b in budgets]
        body = build(shown, budgets)
    return body[:limit]


def _omitted_line(omitted: int) -> str:
    return f"…and {omitted} more failed job{'s' if omitted != 1 else ''} (see the run)."


def _check_limit(limit: int, *fixed: str) -> None:
    if limit <= sum(len(f) for f in fixed) + 200:
        raise ValueError(f"limit {limit} is too small for this text")


def failure_issue_title(workflow: str, branch: str) -> str:
    """Title of the issue that tracks a failing workflow on a branch."""
    return f"CI failure: {_clip(workflow, 100)} on {_clip(branch, 100)}"


def failure_issue_body(
    *,
    repo: str,
    workflow: str,
    branch: str,
    run_url: str,
    run_id: int | str,
    attempt: int,
    head_sha: str,
    actor: str,
    failed_jobs: list[FailedJob],
    marker: str,
    limit: int = GITHUB_BODY_LIMIT,
) -> str:
    """Markdown body of the issue opened for the first failure; ``marker`` appears verbatim."""
    _check_limit(limit, marker)
    header = "\n".join(
        [
            marker,
            f"## {_code(workflow)} is failing on {_code(branch)}",
            "",
            f"- **Repository:** {_code(repo)}",
            f"- **Run:** [{_code(str(run_id))}]({run_url})",
            f"- **Attempt:** {attempt}",
            f"- **Head SHA:** {_short_sha(head_sha)}",
            f"- **Branch:** {_code(branch)}",
            f"- **Actor:** {_code(actor) if actor else 'unknown'}",
            "",
            f"### Failed jobs ({len(failed_jobs)})",
        ]
    )
    footer = (
        "_Opened by hookflow. Repeated failures are added as comments; "
        "a green run on this branch is reported here too._"
    )

    def render(sections: list[str], omitted: int) -> str:
        parts = [header, *sections]
        if omitted:
            parts.append(_omitted_line(omitted))
        if not failed_jobs:
            parts.append("_No failed job details were available._")
        parts.append(footer)
        return "\n\n".join(parts) + "\n"

    return _render_jobs(render, failed_jobs, "####", limit)


def failure_comment_body(
    *,
    run_url: str,
    run_id: int | str,
    attempt: int,
    head_sha: str,
    failed_jobs: list[FailedJob],
    failure_count: int,
    marker: str = "",
    limit: int = GITHUB_BODY_LIMIT,
) -> str:
    """Comment for a repeat failure on an open CI-failure issue."""
    _check_limit(limit, marker)
    times = "time" if failure_count == 1 else "times"
    header = "\n".join(
        filter(
            None,
            [
                marker,
                f"**Failed again** — {failure_count} {times} so far. "
                f"Run [{_code(str(run_id))}]({run_url}), attempt {attempt}, "
                f"head {_short_sha(head_sha)}.",
            ],
        )
    )

    return _comment_with_jobs(header, failed_jobs, limit)


def _comment_with_jobs(header: str, failed_jobs: list[FailedJob], limit: int) -> str:
    """A comment: its header, then the failed jobs fitted under `limit`."""

    def render(sections: list[str], omitted: int) -> str:
        parts = [header, *sections]
        if omitted:
            parts.append(_omitted_line(omitted))
        return "\n\n".join(parts) + "\n"

    return _render_jobs(render, failed_jobs, "**Job**", limit)


def recovery_comment_body(
    *,
    run_url: str,
    head_sha: str,
    workflow: str,
    branch: str,
    marker: str = "",
    limit: int = GITHUB_BODY_LIMIT,
) -> str:
    """Comment for a green run after failures."""
    _check_limit(limit, marker)
    text = (
        f"✅ {_code(workflow)} passed on {_code(branch)} at {_short_sha(head_sha)} "
        f"([run]({run_url}))."
    )
    body = "\n\n".join(filter(None, [marker, text])) + "\n"
    return body[:limit]


def flaky_reopen_comment_body(
    *,
    run_url: str,
    run_id: int | str,
    attempt: int,
    head_sha: str,
    workflow: str,
    branch: str,
    failed_jobs: list[FailedJob],
    recovered_sha: str | None = None,
    marker: str = "",
    limit: int = GITHUB_BODY_LIMIT,
) -> str:
    """Comment when a closed CI-failure issue is reopened because the workflow failed again."""
    _check_limit(limit, marker)
    since = f" after passing at {_short_sha(recovered_sha)}" if recovered_sha else ""
    header = "\n".join(
        filter(
            None,
            [
                marker,
                f"🔁 **Reopened:** {_code(workflow)} failed again on {_code(branch)}{since} — "
                "this may be flaky. "
                f"Run [{_code(str(run_id))}]({run_url}), attempt {attempt}, "
                f"head {_short_sha(head_sha)}.",
            ],
        )
    )

    return _comment_with_jobs(header, failed_jobs, limit)

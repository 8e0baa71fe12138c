"""The failed jobs of a run as Markdown sections, fitted under a character limit (no I/O)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from activities.ci_excerpt import shrink_excerpt
from contract.limits import truncation_notice


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
# The most characters a shrunk excerpt can report as dropped (sizes the note in estimates).
_MAX_DROPPED = 10**9


def clip(text: str, limit: int = _MAX_NAME) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def code(text: str) -> str:
    """An inline code span that no backtick in ``text`` can close (and that never pings)."""
    text = clip(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _link(label: str, url: str) -> str:
    safe_url = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{code(label)}]({safe_url})" if url else code(label)


def short_sha(sha: str) -> str:
    return code(sha[:12] if re.fullmatch(r"[0-9a-fA-F]{13,}", sha) else sha)


def _fenced(excerpt: str) -> str:
    # A fence longer than any backtick run inside keeps ``` in the excerpt from closing it;
    # absurd runs are shortened first so the fence itself stays small.
    excerpt = re.sub(r"`{9,}", "````````", excerpt)
    longest = max((len(m) for m in re.findall(r"`+", excerpt)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{excerpt}\n{fence}"


def _job_section(job: FailedJob, excerpt: str, dropped: int, heading: str) -> str:
    parts = [f"{heading} {_link(job.name, job.url)}"]
    steps = [s for s in job.failed_steps if s.strip()]
    if steps:
        listed = ", ".join(code(s) for s in steps[:_MAX_STEPS_LISTED])
        more = len(steps) - _MAX_STEPS_LISTED
        parts.append(f"Failed steps: {listed}" + (f" and {more} more" if more > 0 else ""))
    if excerpt:
        # Names go inside <code> so an "@someone" in them never becomes a mention.
        summary = "Log excerpt"
        if steps:
            summary += f" — <code>{html.escape(clip(steps[0], 120))}</code>"
        parts.append(f"<details><summary>{summary}</summary>\n\n{_fenced(excerpt)}\n\n</details>")
        if dropped:
            # GitHub's size limit; the full log stays in the run.
            parts.append(f"_Log excerpt {truncation_notice(dropped)}; the full log is in the run._")
    return "\n\n".join(parts)


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


def render_jobs(
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
            dropped = 0
            if budgets is not None and len(text) > budgets[k]:
                shrunk = shrink_excerpt(text, budgets[k])
                text, dropped = shrunk, max(1, len(text) - len(shrunk))
            sections.append(_job_section(job, text, dropped, heading))
        return render(sections, len(jobs) - shown)

    if sum(len(e) for e in excerpts) <= limit:
        full = build(len(jobs), None)
        if len(full) <= limit:
            return full

    def wrapper(job: FailedJob) -> int:
        # Cost of an excerpt's <details>, fence (up to 9 backticks) and truncation note.
        bare = len(_job_section(job, "", 0, heading))
        return len(_job_section(job, "x", _MAX_DROPPED, heading)) - bare + 2 * 9

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


def omitted_line(omitted: int) -> str:
    return f"…and {omitted} more failed job{'s' if omitted != 1 else ''} (see the run)."


def check_limit(limit: int, *fixed: str) -> None:
    if limit <= sum(len(f) for f in fixed) + 200:
        raise ValueError(f"limit {limit} is too small for this text")

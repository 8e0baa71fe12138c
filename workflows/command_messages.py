"""Markdown answers to slash commands and review feedback (pure, built inside the workflow)."""

from __future__ import annotations

from activities.commands import RunInfo

HELP = """Commands (for repository owners, members and collaborators):

| command | what it does |
|---|---|
| `/{h} run` | start an AI run on this issue (or show the active one) |
| `/{h} approve` | let a run waiting for approval push its branch |
| `/{h} retry` | re-run the phase that failed |
| `/{h} cancel` | stop the run |
| `/{h} status` | show the run's phase, iteration, pull request and Web UI link |

On the run's pull request, a review requesting changes or a comment mentioning `@{h}` sends
the review text back to the agent."""


def unauthorised(*, author: str, word: str, handle: str) -> str:
    what = f"`/{handle} {word}`" if word != "feedback" else "review feedback"
    return (
        f"🙏 Thanks @{author}! hookflow acts on {what} only from repository owners, "
        "members and collaborators, so nothing was changed."
    )


def unknown(*, author: str, word: str, handle: str) -> str:
    said = f"`/{handle} {word}`" if word else f"`/{handle}` without a command"
    return f"🤔 @{author}, hookflow does not know {said}; nothing was changed.\n\n" + HELP.format(
        h=handle
    )


def no_run(*, what: str) -> str:
    return f"ℹ️ There is no hookflow AI run here to {what}."


def run_on_pull(*, handle: str) -> str:
    return (
        f"ℹ️ `/{handle} run` starts a run on an issue: write it on the issue. On a run's "
        f"pull request, mention @{handle} in a comment or review to send feedback."
    )


def status(run: RunInfo, *, link: str | None) -> str:
    lines = [
        f"📋 hookflow AI run `{run.run_id}`: **{run.status}**",
        f"- phase: {run.phase or '—'}",
        f"- iteration: {run.iteration}",
        f"- pull request: {run.pr_url or '—'}",
    ]
    if link:
        lines.append(f"- Temporal Web UI: {link}")
    return "\n".join(lines)


def signal_sent(*, name: str, run: RunInfo, author: str) -> str:
    return f"👍 `{name}` sent to hookflow AI run `{run.run_id}` for @{author}."


def not_running(*, name: str, run: RunInfo) -> str:
    return (
        f"ℹ️ hookflow AI run `{run.run_id}` is {run.status} and no longer takes "
        f"`{name}`; nothing was changed."
    )


def already_running(run: RunInfo, *, link: str | None) -> str:
    where = f" ({link})" if link else ""
    return f"ℹ️ hookflow AI run `{run.run_id}` is already {run.status} on this issue{where}."


def feedback_closed(run: RunInfo, *, window: str, handle: str) -> str:
    return (
        f"ℹ️ hookflow AI run `{run.run_id}` is {run.status}; it takes review feedback "
        f"while it runs and for {window} after it succeeded (RUN_FEEDBACK_WINDOW). "
        f"Nothing was changed: start a new run with `/{handle} run` on the issue."
    )


def iterations_used(run: RunInfo, *, cap: int) -> str:
    return (
        f"✋ hookflow AI run `{run.run_id}` has used {run.iteration} of {cap} iterations "
        "(RUN_MAX_ITERATIONS); it does not act on this feedback."
    )

"""Markdown the run workflow posts on GitHub (pure, so workflows can build it deterministically)."""

from __future__ import annotations

from urllib.parse import quote


def run_link(ui_url: str, namespace: str, workflow_id: str) -> str | None:
    """The run in the Temporal Web UI, when TEMPORAL_UI_URL is configured."""
    if not ui_url:
        return None
    ns, wf = quote(namespace, safe=""), quote(workflow_id, safe="")
    return f"{ui_url}/namespaces/{ns}/workflows/{wf}"


MAX_REFUSED = 20  # host:port pairs a comment lists


def refused_lines(refused_hosts: list[str] | None) -> str:
    """The hosts the agent was refused, as the Copilot agent reports its firewall's blocks."""
    if not refused_hosts:
        return ""
    listed = ", ".join(f"`{h}`" for h in refused_hosts[:MAX_REFUSED])
    return (
        "\n\n🛡️ The agent's network requests to these hosts were refused: "
        f"{listed}. Add a host the agent needs to `RUN_AGENT_ALLOW_HOSTS`; the run's `network` "
        "artifact lists every connection."
    )


def _link_line(link: str | None) -> str:
    return f"\n\nFollow the run in the Temporal Web UI: {link}" if link else ""


def start_comment(
    *, run_id: str, workflow_id: str, branch: str | None, phases: list[str], link: str | None
) -> str:
    return (
        f"🤖 hookflow started AI run `{run_id}` (workflow `{workflow_id}`).\n\n"
        f"Phases: {' → '.join(phases)}."
        + (f" Work happens on branch `{branch}`." if branch else "")
        + _link_line(link)
    )


def pull_body(*, issue_number: int, run_id: str, summary: str, link: str | None) -> str:
    return (
        f"Refs #{issue_number}\n\nDraft pull request opened by hookflow AI run `{run_id}` "
        f"for issue #{issue_number}.\n\n{summary}".rstrip()
        + _link_line(link)
    )


def final_comment(
    *,
    status: str,
    run_id: str,
    iterations: int,
    pr_url: str | None,
    summary: str,
    link: str | None,
    usage: dict[str, dict[str, int]] | None = None,
    refused_hosts: list[str] | None = None,
) -> str:
    lines = [f"🤖 hookflow AI run `{run_id}` finished: **{status}**."]
    if pr_url:
        lines.append(f"Pull request: {pr_url}")
    lines.append(f"CI iterations: {iterations}.")
    if usage:
        lines.append(usage_table(usage))
    if summary:
        lines.append(summary)
    return "\n\n".join(lines) + refused_lines(refused_hosts) + _link_line(link)


def usage_table(usage: dict[str, dict[str, int]]) -> str:
    """Tokens the model spent, per phase and in total (from the llm agent's artifacts)."""
    rows = [
        "| phase | requests | prompt tokens | completion tokens | total tokens |",
        "|---|---:|---:|---:|---:|",
    ]
    total: dict[str, int] = {}
    for phase, counts in usage.items():
        for name, value in counts.items():
            total[name] = total.get(name, 0) + value
        rows.append(_usage_row(phase, counts))
    rows.append(_usage_row("**total**", total))
    return "Token usage:\n\n" + "\n".join(rows)


def _usage_row(label: str, counts: dict[str, int]) -> str:
    cells = [
        str(counts.get(name, 0))
        for name in ("requests", "prompt_tokens", "completion_tokens", "total_tokens")
    ]
    return f"| {label} | " + " | ".join(cells) + " |"


def feedback_ack_comment(
    *, run_id: str, iteration: int, cap: int, authors: list[str], link: str | None
) -> str:
    who = ", ".join(f"@{a}" for a in authors) or "the review"
    return (
        f"👀 hookflow AI run `{run_id}` is working on the feedback from {who}: "
        f"iteration {iteration} of at most {cap} (RUN_MAX_ITERATIONS). It will push to "
        "this pull request and wait for CI." + _link_line(link)
    )


def feedback_limit_comment(
    *, run_id: str, iterations: int, cap: int, pr_url: str | None, link: str | None
) -> str:
    pr = f" on {pr_url}" if pr_url else ""
    return (
        f"✋ hookflow AI run `{run_id}` has used {iterations} of {cap} iterations "
        f"(RUN_MAX_ITERATIONS), so it does not act on this feedback{pr}. "
        "A person needs to take it from here." + _link_line(link)
    )


def api_run_link(api_url: str, run_id: str) -> str | None:
    """The run in hookflow's HTTP API (needs API_TOKEN), when API_PUBLIC_URL is configured."""
    return f"{api_url}/api/runs/{quote(run_id, safe='')}" if api_url else None


def failure_comment(
    *,
    run_id: str,
    phase: str | None,
    retry_hint: str,
    link: str | None,
    api_link: str | None = None,
    refused_hosts: list[str] | None = None,
) -> str:
    """Which phase failed and where to look; never the error itself. Agent stderr, URLs and
    git errors are for operators (run artifacts, the API), not for everyone on the issue."""
    where = f" in phase `{phase}`" if phase else ""
    details = (
        f"\n\nThe error and logs are in the run's artifacts: {api_link}/artifacts"
        if api_link
        else "\n\nThe error and logs are in the run's artifacts."
    )
    return (
        f"⚠️ hookflow AI run `{run_id}` failed{where}.{details}\n\n{retry_hint}".rstrip()
        + refused_lines(refused_hosts)
        + _link_line(link)
    )


def cancelled_comment(*, run_id: str, phase: str | None, link: str | None) -> str:
    where = f" during phase `{phase}`" if phase else ""
    return f"🛑 hookflow AI run `{run_id}` was cancelled{where}." + _link_line(link)


def escalated_comment(*, run_id: str, reason: str, pr_url: str | None, link: str | None) -> str:
    pr = f"\n\nPull request: {pr_url}" if pr_url else ""
    return f"🚨 hookflow AI run `{run_id}` needs a human: {reason}{pr}" + _link_line(link)


def feedback_late_comment(*, run_id: str, link: str | None) -> str:
    return (
        f"ℹ️ hookflow AI run `{run_id}` got this feedback after CI passed, while finishing "
        "its last phases. Comment again once it has finished to start a follow-up on this "
        "pull request." + _link_line(link)
    )


def not_permitted_comment(*, login: str, role: str | None, needed: str, what: str) -> str:
    """The one polite answer to someone who may not start work (`role` None: GitHub could not
    say, and hookflow does not guess)."""
    who = f"@{login}" if login else "whoever asked"
    if role is None:
        return (
            f"🙏 Thanks for asking! hookflow starts {what} only for people whose access to this "
            f"repository it can confirm (`RUN_TRIGGER_PERMISSION`), and it could not confirm "
            f"{who}'s permission just now, so nothing was started. Please try again in a few "
            "minutes."
        )
    return (
        f"🙏 Thanks for asking! hookflow starts {what} only for people with at least `{needed}` "
        f"access to this repository (`RUN_TRIGGER_PERMISSION`), and {who}'s role on this "
        f"repository is `{role}`, so nothing was started. Someone with `{needed}` access or "
        "more can ask instead."
    )

"""CIRunEvent values for tests of the CI-failure texts: a run of a repository's `CI` on `main`."""

from __future__ import annotations

from contract.inputs import CIRunEvent


def ci_run_event(
    repo: str,
    run_id: int,
    *,
    run_url: str | None = None,
    attempt: int = 1,
    head_sha: str = "",
    actor: str = "",
) -> CIRunEvent:
    """The run's page is GitHub's Actions URL unless the test gives its own."""
    return CIRunEvent(
        repo=repo,
        workflow="CI",
        branch="main",
        run_url=run_url or f"https://github.com/{repo}/actions/runs/{run_id}",
        run_id=run_id,
        attempt=attempt,
        head_sha=head_sha,
        actor=actor,
    )

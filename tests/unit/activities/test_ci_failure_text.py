"""CI-failure text: workflow ids, excerpts of real-shaped job logs, bounded Markdown bodies."""

import re
from typing import Any

import pytest

from activities.ci_excerpt import log_excerpt
from activities.ci_failed_jobs import FailedJob
from activities.ci_failure import CIRunEvent
from activities.ci_failure_bodies import (
    failure_comment_body,
    failure_issue_body,
    failure_issue_title,
    flaky_reopen_comment_body,
    recovery_comment_body,
)
from ghclient.bodies import MAX_BODY_CHARS as GITHUB_BODY_LIMIT
from routing.workflow_ids import ci_failure_workflow_id, fingerprint
from tests.support.ci_events import ci_run_event
from tests.support.files import FIXTURES

LOGS = FIXTURES / "logs"
MARKER = "<!-- hookflow:ci-failure fingerprint=0123456789abcdef -->"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z")
SAFE_ID = re.compile(r"[A-Za-z0-9._-]+")


def read_log(name: str) -> str:
    return (LOGS / name).read_text(encoding="utf-8")


# --- fingerprint and workflow id ----------------------------------------------------------


def test_ci_failure_workflow_id_is_readable_and_stable():
    wid = ci_failure_workflow_id("octo-org/octo-repo", "CI", "main")
    assert wid.startswith("ci-failure-octo-org-octo-repo-CI-main-")
    # Golden values: changing them would orphan running workflows and their issues.
    assert wid == "ci-failure-octo-org-octo-repo-CI-main-e9dce7621d"
    assert fingerprint("octo-org/octo-repo", "CI", "main") == "e9dce7621de304c2"
    assert ci_failure_workflow_id("octo-org/octo-repo", "CI", "main") == wid


@pytest.mark.parametrize(
    "repo, workflow, branch",
    [
        ("octo-org/octo-repo", "CI / Tests", "feature/login"),
        ("a/b", "Build & Test ✅", "release/v1.2@hotfix:x"),
        ("a/b", " ", "refs/heads/main"),
        ("a/b", "x" * 2000, "y" * 2000),
        ("a/b", "----", "...."),
        ("a/b", "テスト", "機能/ブランチ"),
    ],
)
def test_ci_failure_workflow_id_uses_only_web_ui_safe_characters(repo, workflow, branch):
    wid = ci_failure_workflow_id(repo, workflow, branch)
    assert SAFE_ID.fullmatch(wid)
    assert wid.startswith("ci-failure-")
    assert len(wid) <= 255


def test_ci_failure_workflow_id_ignores_repository_case():
    assert ci_failure_workflow_id("Octo-Org/Octo-Repo", "CI", "main") == ci_failure_workflow_id(
        "octo-org/octo-repo", "CI", "main"
    )


COLLISION_CANDIDATES = [
    ("a/b", "ci-x", "main"),
    ("a/b", "ci", "x-main"),
    ("a/b-ci", "x", "main"),
    ("a-b/ci", "x", "main"),
    ("a/b", "CI / Tests", "main"),
    ("a/b", "CI-Tests", "main"),
    ("a/b", "CI  Tests", "main"),
    ("a/b", "CI", "feature/x"),
    ("a/b", "CI", "feature-x"),
    ("a/b", "CI", "feature_x"),
    ("a/b", "CI", "Main"),
    ("a/b", "CI", "main"),
    ("a/b", "x" * 300 + "1", "main"),
    ("a/b", "x" * 300 + "2", "main"),
    ("a/b", "テスト", "main"),
    ("a/b", "試験", "main"),
]


def test_ci_failure_workflow_id_never_collides_for_distinct_inputs():
    ids = [ci_failure_workflow_id(*c) for c in COLLISION_CANDIDATES]
    assert len(set(ids)) == len(COLLISION_CANDIDATES)
    prints = [fingerprint(*c) for c in COLLISION_CANDIDATES]
    assert len(set(prints)) == len(COLLISION_CANDIDATES)


# --- log excerpt on real-shaped job logs ----------------------------------------------------


@pytest.mark.parametrize(
    "log, step_name, present, absent",
    [
        (
            "pytest_failure.log",
            "Run pytest -q --maxfail=5",
            [
                "E       AssertionError: assert True is False",
                "Traceback (most recent call last):",
                "FAILED tests/test_signature.py::test_verify_rejects_wrong_secret",
                "##[error]Process completed with exit code 1.",
            ],
            ["Cleaning up orphan processes", "Post job cleanup.", "mypy", "Cache hit occurred"],
        ),
        (
            "pytest_failure.log",
            "pytest -q --maxfail=5",  # the step name without "Run "
            ["E       AssertionError: assert True is False"],
            ["Cleaning up orphan processes"],
        ),
        (
            # No step name: the last step with ##[error] is the one that stopped the job;
            # mypy's earlier ##[error] came from a continue-on-error step.
            "pytest_failure.log",
            None,
            ["E       AssertionError: assert True is False"],
            ["Incompatible return value type", "Cleaning up orphan processes"],
        ),
        (
            "pytest_failure.log",
            "Run mypy .",
            ['routing/ci_failure.py:12: error: Incompatible return value type (got "int"'],
            ["AssertionError", "Cleaning up orphan processes"],
        ),
        (
            "npm_failure.log",
            "Run npm test -- --ci",
            [
                "FAIL src/components/RunList.test.tsx",
                "npm ERR! Lifecycle script `test` failed with error:",
                "##[error]Process completed with exit code 1.",
            ],
            ["Post job cleanup.", "Terminate orphan process", "npm WARN deprecated"],
        ),
        (
            "npm_failure.log",
            "A custom step name the log does not show",
            ["npm ERR! Lifecycle script `test` failed with error:"],
            ["Terminate orphan process"],
        ),
        (
            "cleanup_error.log",
            None,
            [
                "src/queue.c:14:10: fatal error: ringbuf.h: No such file or directory",
                "##[error]Process completed with exit code 2.",
            ],
            ["Failed to save", "reserveCache failed", "Cache save failed", "Post job cleanup."],
        ),
        (
            "cleanup_error.log",
            "Run make build",
            ["src/queue.c:14:10: fatal error: ringbuf.h: No such file or directory"],
            ["Failed to save", "reserveCache failed", "Cleaning up orphan processes"],
        ),
    ],
)
def test_log_excerpt_shows_failing_step_error_without_cleanup(log, step_name, present, absent):
    excerpt = log_excerpt(read_log(log), step_name=step_name)
    for text in present:
        assert text in excerpt
    for text in absent:
        assert text not in excerpt


@pytest.mark.parametrize("log", ["pytest_failure.log", "npm_failure.log", "cleanup_error.log"])
def test_log_excerpt_strips_timestamps_and_markup(log):
    excerpt = log_excerpt(read_log(log))
    assert not TIMESTAMP.search(excerpt)
    assert "\ufeff" not in excerpt and "\r" not in excerpt and "\x1b" not in excerpt
    assert "##[endgroup]" not in excerpt and "##[group]" not in excerpt


def test_log_excerpt_ignores_error_that_only_appears_in_post_job_cleanup():
    excerpt = log_excerpt(read_log("killed_step.log"), step_name="Run ./deploy.sh")
    assert "Killed" in excerpt
    assert "EBUSY" not in excerpt and "Post job cleanup." not in excerpt


def test_log_excerpt_reads_gh_cli_prefixed_logs():
    excerpt = log_excerpt(read_log("gh_cli_prefixed.log"))
    assert excerpt.splitlines()[1] == "E   ValueError: bad input"
    assert "Post job cleanup." not in excerpt


@pytest.mark.parametrize(
    "before, after, expected_first, expected_last",
    [
        (2, 1, "line 47", "line 50"),
        (0, 0, "Error: boom", "Error: boom"),
    ],
)
def test_log_excerpt_honours_context_window(before, after, expected_first, expected_last):
    lines = [f"2024-05-01T12:00:00.0000000Z line {k}" for k in range(100)]
    lines[49] = "2024-05-01T12:00:00.0000000Z Error: boom"
    excerpt = log_excerpt("\n".join(lines), context_before=before, context_after=after)
    assert excerpt.splitlines()[0] == expected_first
    assert excerpt.splitlines()[-1] == expected_last


@pytest.mark.parametrize("max_chars", [200, 1000, 20000])
def test_log_excerpt_bounds_size_and_keeps_error_line(max_chars):
    noise = [f"2024-05-01T12:00:00.0000000Z {'x' * 150} {k}" for k in range(5000)]
    noise[2500] = "2024-05-01T12:00:00.0000000Z ##[error]The real failure"
    excerpt = log_excerpt(
        "\n".join(noise), context_before=4000, context_after=4000, max_chars=max_chars
    )
    assert len(excerpt) <= max_chars
    assert "##[error]The real failure" in excerpt


def test_log_excerpt_cuts_a_single_huge_error_line():
    log = "2024-05-01T12:00:00.0000000Z Error: " + "y" * 100_000
    excerpt = log_excerpt(log, max_chars=500)
    assert len(excerpt) <= 500
    assert excerpt.startswith("Error: yyy")


def test_log_excerpt_without_errors_returns_last_lines():
    log = "\n".join(f"2024-05-01T12:00:00.0000000Z step output {k}" for k in range(100))
    excerpt = log_excerpt(log, context_before=5)
    assert excerpt.splitlines()[-1] == "step output 99"
    assert "step output 94" in excerpt and "step output 93" not in excerpt


def test_log_excerpt_of_empty_log_is_empty():
    assert log_excerpt("") == ""


# --- bodies -----------------------------------------------------------------------------------


def big_excerpt(size: int, tag: str = "") -> str:
    lines = [f"noise line {k} {'z' * 80}" for k in range(size // 100)]
    lines[len(lines) // 2] = f"E   AssertionError: the first error {tag}"
    return "\n".join(lines)


RUN_42 = ci_run_event(
    "octo-org/octo-repo",
    42,
    attempt=2,
    head_sha="9f3c1d2e4b5a69788a0b1c2d3e4f5a6b7c8d9e0f",
    actor="octocat",
)
RUN_43 = ci_run_event("octo-org/octo-repo", 43, run_url="https://x/run/43", head_sha="abc123")


def issue_body(jobs: list[FailedJob], **overrides: Any) -> str:
    args: dict[str, Any] = {"failed_jobs": jobs, "marker": MARKER, **overrides}
    return failure_issue_body(RUN_42, **args)


def test_failure_issue_body_lists_run_details_and_excerpt():
    excerpt = log_excerpt(read_log("pytest_failure.log"), step_name="Run pytest -q --maxfail=5")
    job = FailedJob(
        name="test (3.11)",
        url="https://github.com/octo-org/octo-repo/actions/runs/42/job/7",
        failed_steps=["Run pytest -q --maxfail=5"],
        excerpt=excerpt,
    )
    body = issue_body([job])
    assert body.startswith(MARKER)
    for text in (
        "https://github.com/octo-org/octo-repo/actions/runs/42",
        "**Attempt:** 2",
        "9f3c1d2e4b5a",
        "`main`",
        "`octocat`",
        "[`test (3.11)`](https://github.com/octo-org/octo-repo/actions/runs/42/job/7)",
        "`Run pytest -q --maxfail=5`",
        "<details><summary>",
        "E       AssertionError: assert True is False",
        "</details>",
    ):
        assert text in body
    assert "truncated" not in body


JOB_SETS = {
    "one 1 MB excerpt": [FailedJob("test", "https://x/1", ["Run pytest"], big_excerpt(1_000_000))],
    "50 jobs": [
        FailedJob(f"job {k}", f"https://x/{k}", [f"step {k}"], big_excerpt(20_000, str(k)))
        for k in range(50)
    ],
    "50 jobs with 1 MB excerpts": [
        FailedJob(f"job {k}", f"https://x/{k}", ["Run make"], big_excerpt(1_000_000, str(k)))
        for k in range(50)
    ],
    "one tiny and one huge": [
        FailedJob("tiny", "https://x/1", ["s"], "Error: small and whole"),
        FailedJob("huge", "https://x/2", ["s"], big_excerpt(1_000_000, "huge")),
    ],
}


@pytest.mark.parametrize("jobs", JOB_SETS.values(), ids=JOB_SETS.keys())
def test_failure_issue_body_stays_within_github_limit(jobs):
    body = issue_body(jobs)
    assert len(body) <= GITHUB_BODY_LIMIT
    assert MARKER in body
    assert "truncated" in body
    for job in jobs:
        assert f"`{job.name}`" in body
        lines = job.excerpt.splitlines()
        first_error = next(line for line in lines if "AssertionError" in line or "Error:" in line)
        assert first_error in body


def test_failure_issue_body_shrinks_excerpts_fairly():
    body = issue_body(JOB_SETS["one tiny and one huge"])
    assert "Error: small and whole" in body
    assert len(body) > GITHUB_BODY_LIMIT * 0.8  # the huge excerpt got the room that was left


def test_failure_issue_body_summarises_jobs_that_do_not_fit():
    jobs = [
        FailedJob(f"matrix job {k} " + "n" * 150, f"https://x/{k}", ["a " * 80] * 30, "Error: e")
        for k in range(2000)
    ]
    body = issue_body(jobs)
    assert len(body) <= GITHUB_BODY_LIMIT
    assert MARKER in body
    assert re.search(r"…and \d+ more failed jobs", body)


@pytest.mark.parametrize("limit", [1000, 5000, GITHUB_BODY_LIMIT])
def test_failure_issue_body_respects_custom_limit(limit):
    body = issue_body(JOB_SETS["50 jobs"], limit=limit)
    assert len(body) <= limit
    assert MARKER in body


def test_failure_issue_body_neutralises_code_fences_in_excerpt():
    excerpt = "```\n<script>alert(1)</script>\n```\n</details>\nError: after the fence"
    body = issue_body([FailedJob("docs", "https://x/1", [], excerpt)])
    match = re.search(r"^(`{3,})text$", body, re.M)
    assert match is not None
    fence = match.group(1)
    assert len(fence) > 3
    assert excerpt in body
    inner = body.split(fence + "text\n", 1)[1].split("\n" + fence + "\n", 1)[0]
    assert inner == excerpt


@pytest.mark.parametrize(
    "name",
    ["`weird` | job", "@octocat please", "<img src=x onerror=alert(1)>", "a" * 5000],
)
def test_failure_issue_body_escapes_job_names(name):
    body = issue_body([FailedJob(name, "https://x/1", [name], "Error: e")])
    # Outside code spans (which GitHub renders literally, without mentions) nothing is live.
    prose = re.sub(r"(`+).*?\1", "", body, flags=re.S)
    prose = re.sub(r"^`{3,}text$.*?^`{3,}$", "", prose, flags=re.S | re.M)
    prose = re.sub(r"<code>.*?</code>", "", prose, flags=re.S)
    assert "<img" not in prose and "@octocat" not in prose
    assert len(body) < 2000


def test_failure_issue_title_names_workflow_and_branch():
    assert failure_issue_title("CI", "main") == "CI failure: CI on main"
    assert len(failure_issue_title("w" * 1000, "b" * 1000)) <= 256


COMMENT_CASES = {
    "repeat failure": lambda jobs, limit: failure_comment_body(
        RUN_43,
        failed_jobs=jobs,
        failure_count=3,
        marker=MARKER,
        limit=limit,
    ),
    "flaky reopen": lambda jobs, limit: flaky_reopen_comment_body(
        RUN_43,
        failed_jobs=jobs,
        recovered_sha="def456",
        marker=MARKER,
        limit=limit,
    ),
}


@pytest.mark.parametrize("render", COMMENT_CASES.values(), ids=COMMENT_CASES.keys())
@pytest.mark.parametrize("jobs", JOB_SETS.values(), ids=JOB_SETS.keys())
def test_comment_bodies_stay_within_github_limit(render, jobs):
    body = render(jobs, GITHUB_BODY_LIMIT)
    assert len(body) <= GITHUB_BODY_LIMIT
    assert MARKER in body
    assert "https://x/run/43" in body and "abc123" in body


def test_failure_comment_body_counts_failures():
    body = COMMENT_CASES["repeat failure"]([FailedJob("j", "https://x/1", [], "Error: e")], 65536)
    assert "3 times so far" in body
    assert "Error: e" in body and "<details>" in body


def test_flaky_reopen_comment_body_mentions_recovery():
    body = COMMENT_CASES["flaky reopen"]([FailedJob("j", "https://x/1", [], "Error: e")], 65536)
    assert "Reopened" in body and "def456" in body and "flaky" in body


def test_recovery_comment_body_reports_green_run():
    run = CIRunEvent("o/r", "CI", "main", 44, "https://x/run/44", head_sha="9f3c1d2e4b5a69788a0b")
    body = recovery_comment_body(run)
    assert "https://x/run/44" in body and "9f3c1d2e4b5a" in body
    assert "`CI`" in body and "`main`" in body
    assert len(body) <= GITHUB_BODY_LIMIT


def test_failure_issue_body_rejects_limit_smaller_than_marker():
    with pytest.raises(ValueError):
        issue_body([], limit=len(MARKER))

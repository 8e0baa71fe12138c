"""GitHubClient against FakeGitHub over real HTTP on 127.0.0.1."""

from __future__ import annotations

import pickle
from typing import Any

import httpx
import pytest

from ghclient import (
    MAX_BODY_CHARS,
    GitHubAuthError,
    GitHubClient,
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubServerError,
    GitHubValidationFailed,
    fit_body,
    marker,
)
from ghclient.identity import app_bot_login
from tests.support.fakes import FakeGitHub
from tests.support.ghclient import SHARED_TOKEN as TOKEN


@pytest.fixture
def github(shared_github: FakeGitHub) -> FakeGitHub:
    """The module's one fake GitHub, also under the `repo` of tests/support/github_repo.py."""
    return shared_github


# --- happy paths -----------------------------------------------------------------------


async def test_get_repo_returns_repository(gh: GitHubClient, repo: str) -> None:
    data = await gh.get_repo(repo)
    assert data["full_name"] == repo
    assert data["default_branch"] == "main"


async def test_request_sends_github_headers(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    await gh.get_repo(repo)
    sent = github.requests_to("GET", f"/repos/{repo}$")[-1].headers
    assert sent["accept"] == "application/vnd.github+json"
    assert sent["x-github-api-version"] == "2022-11-28"
    assert sent["authorization"] == f"Bearer {TOKEN}"
    assert sent["user-agent"].startswith("hookflow")


async def test_create_issue_returns_issue_with_labels(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    issue = await gh.create_issue(repo, title="CI broke", body="details", labels=["ci", "bug"])
    assert issue["number"] == 1
    assert issue["state"] == "open"
    assert [label["name"] for label in issue["labels"]] == ["ci", "bug"]
    assert "pull_request" not in issue
    assert github.issues(repo)[0]["title"] == "CI broke"
    assert github.requests_to("POST", "/issues$")[-1].json["labels"] == ["ci", "bug"]


async def test_get_issue_returns_issue(gh: GitHubClient, github: FakeGitHub, repo: str) -> None:
    seeded = github.add_issue(repo, title="hello", body="world")
    issue = await gh.get_issue(repo, seeded["number"])
    assert (issue["title"], issue["body"]) == ("hello", "world")


async def test_update_issue_closes_with_state_reason(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    number = github.add_issue(repo, title="t")["number"]
    issue = await gh.update_issue(repo, number, state="closed", state_reason="not_planned")
    assert (issue["state"], issue["state_reason"]) == ("closed", "not_planned")
    assert github.requests_to("PATCH", "/issues/")[-1].json == {
        "state": "closed",
        "state_reason": "not_planned",
    }
    reopened = await gh.update_issue(repo, number, state="open", title="t2")
    assert (reopened["state"], reopened["state_reason"], reopened["title"]) == (
        "open",
        "reopened",
        "t2",
    )


async def test_add_labels_then_remove_label_updates_issue(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    number = github.add_issue(repo, title="t", labels=("ai:run",))["number"]
    labels = await gh.add_labels(repo, number, ["blocked", "needs triage"])
    assert [x["name"] for x in labels] == ["ai:run", "blocked", "needs triage"]
    remaining = await gh.remove_label(repo, number, "needs triage")
    assert remaining is not None
    assert [x["name"] for x in remaining] == ["ai:run", "blocked"]
    assert [x["name"] for x in github.issue(repo, number)["labels"]] == ["ai:run", "blocked"]


async def test_remove_label_already_gone_is_not_an_error(gh: GitHubClient, repo: str) -> None:
    issue = await gh.create_issue(repo, title="t", body="b")
    assert await gh.remove_label(repo, issue["number"], "never-there") is None


async def test_list_issues_follows_pagination_across_pages(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    for i in range(230):
        github.add_issue(repo, title=f"issue {i}")
    issues = await gh.list_issues(repo)
    assert len(issues) == 230
    assert len({issue["number"] for issue in issues}) == 230
    pages = [r.query.get("page", "1") for r in github.requests_to("GET", f"/repos/{repo}/issues$")]
    assert pages == ["1", "2", "3"]
    assert all(r.query["per_page"] == "100" for r in github.requests_to("GET", f"{repo}/issues$"))


async def test_list_issues_skips_pulls_and_filters_state_and_labels(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.add_issue(repo, title="open ci", labels=("ci",))
    github.add_issue(repo, title="closed ci", labels=("ci", "bug"), state="closed")
    github.add_issue(repo, title="other")
    github.add_pull(repo, title="a pull", head="feature")
    assert {i["title"] for i in await gh.list_issues(repo)} == {"open ci", "other"}
    assert {i["title"] for i in await gh.list_issues(repo, state="all", labels=["ci"])} == {
        "open ci",
        "closed ci",
    }
    assert [i["title"] for i in await gh.list_issues(repo, state="closed", labels=["ci", "bug"])]


async def test_list_comments_follows_pagination(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    number = github.add_issue(repo, title="t")["number"]
    for i in range(150):
        github.add_comment(repo, number, f"comment {i}")
    comments = await gh.list_comments(repo, number)
    assert [c["body"] for c in comments] == [f"comment {i}" for i in range(150)]


async def test_create_comment_returns_comment(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    number = github.add_issue(repo, title="t")["number"]
    comment = await gh.create_comment(repo, number, "hi there")
    assert comment["body"] == "hi there"
    assert comment["html_url"].endswith(f"#issuecomment-{comment['id']}")
    assert github.comments(repo, number) == [comment]


async def test_create_pull_then_get_pull_shares_issue_numbers(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.add_issue(repo, title="first")
    pull = await gh.create_pull(
        repo, title="Fix", head="fix/ci", base="main", body="body", draft=True
    )
    assert pull["number"] == 2
    assert pull["head"]["ref"] == "fix/ci"
    assert pull["head"]["label"] == f"{repo.split('/')[0]}:fix/ci"
    assert (pull["base"]["ref"], pull["draft"], pull["merged"]) == ("main", True, False)
    assert (await gh.get_pull(repo, 2))["html_url"] == pull["html_url"]
    assert "pull_request" in await gh.get_issue(repo, 2)
    with pytest.raises(GitHubNotFound):
        await gh.get_pull(repo, 1)


async def test_list_pulls_filters_by_head(gh: GitHubClient, github: FakeGitHub, repo: str) -> None:
    github.add_pull(repo, title="a", head="branch-a")
    github.add_pull(repo, title="b", head="branch-b")
    merged = github.add_pull(repo, title="b-old", head="branch-b")
    github.merge_pull(repo, merged["number"])
    assert {p["title"] for p in await gh.list_pulls(repo)} == {"a", "b", "b-old"}
    assert {p["title"] for p in await gh.list_pulls(repo, head="branch-b")} == {"b", "b-old"}
    owner = repo.split("/")[0]
    open_b = await gh.list_pulls(repo, head=f"{owner}:branch-b", state="open")
    assert [p["title"] for p in open_b] == ["b"]
    assert github.requests_to("GET", f"{repo}/pulls$")[-1].query["head"] == f"{owner}:branch-b"


async def test_create_pull_duplicate_raises_validation_failed(gh: GitHubClient, repo: str) -> None:
    await gh.create_pull(repo, title="x", head="dup", base="main", body="")
    with pytest.raises(GitHubValidationFailed) as caught:
        await gh.create_pull(repo, title="x", head="dup", base="main", body="")
    assert caught.value.has_message("A pull request already exists for")
    assert caught.value.errors[0]["resource"] == "PullRequest"
    assert not caught.value.retryable


async def test_get_workflow_run_returns_run(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.add_workflow_run(
        repo, run_id=555, name="CI", head_branch="develop", conclusion="failure"
    )
    run = await gh.get_workflow_run(repo, 555)
    assert (run["id"], run["name"], run["head_branch"], run["conclusion"]) == (
        555,
        "CI",
        "develop",
        "failure",
    )
    assert run["status"] == "completed"
    with pytest.raises(GitHubNotFound):
        await gh.get_workflow_run(repo, 556)


async def test_list_run_jobs_returns_jobs_with_steps_across_pages(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    jobs: list[dict[str, Any]] = [
        {"name": f"job {i}", "conclusion": "success", "steps": [{"name": "checkout"}]}
        for i in range(120)
    ]
    jobs[7] = {
        "id": 9007,
        "name": "tests",
        "conclusion": "failure",
        "steps": [{"name": "checkout", "conclusion": "success"}, {"name": "pytest"}],
    }
    github.add_workflow_run(repo, run_id=777, jobs=jobs)
    listed = await gh.list_run_jobs(repo, 777)
    assert len(listed) == 120
    failing = next(job for job in listed if job["id"] == 9007)
    assert failing["run_id"] == 777
    assert [(s["number"], s["name"], s["conclusion"]) for s in failing["steps"]] == [
        (1, "checkout", "success"),
        (2, "pytest", "failure"),
    ]
    assert len(github.requests_to("GET", "/actions/runs/777/jobs$")) == 2


async def test_download_job_logs_follows_redirect_without_authorization(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.add_workflow_run(repo, run_id=888, jobs=[{"id": 8801, "name": "build"}])
    github.set_job_logs(8801, "line 1\nError: boom\n")
    assert await gh.download_job_logs(repo, 8801) == "line 1\nError: boom\n"
    api_call = github.requests_to("GET", "/actions/jobs/8801/logs$")[-1]
    blob_call = github.requests_to("GET", "/_fake-blobs/job-logs/8801$")[-1]
    assert api_call.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in blob_call.headers
    assert blob_call.query["token"]


async def test_download_job_logs_without_logs_raises_not_found(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.add_workflow_run(repo, run_id=889, jobs=[{"id": 8901}])
    with pytest.raises(GitHubNotFound):
        await gh.download_job_logs(repo, 8901)


async def test_client_with_ghes_prefix_builds_urls() -> None:
    with FakeGitHub(token=TOKEN, prefix="/api/v3") as ghes:
        ghes.add_repo("corp/tool")
        ghes.add_workflow_run("corp/tool", run_id=1, jobs=[{"id": 11, "logs": "ghes log"}])
        async with GitHubClient(f"{ghes.url}/", TOKEN) as client:
            assert (await client.get_repo("corp/tool"))["full_name"] == "corp/tool"
            assert await client.download_job_logs("corp/tool", 11) == "ghes log"
        assert ghes.requests[0].path == "/api/v3/repos/corp/tool"


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reset_in", "retry_after", "waits"),
    [
        pytest.param(120, None, (115, 121), id="primary-limit-waits-until-its-reset"),
        pytest.param(-30, None, (1.0, 1.0), id="primary-limit-past-reset-waits-one-second"),
        pytest.param(0, "30", (30, 30), id="secondary-limit-waits-its-retry-after"),
    ],
)
async def test_request_rate_limited_403_waits_as_github_says(
    gh: GitHubClient,
    github: FakeGitHub,
    repo: str,
    reset_in: float,
    retry_after: str | None,
    waits: tuple[float, float],
) -> None:
    primary = github.rate_limit_headers(reset_in=reset_in)
    headers = {"retry-after": retry_after} if retry_after else primary
    github.fail_next("GET", f"/repos/{repo}$", 403, headers=headers)
    with pytest.raises(GitHubRateLimited) as caught:
        await gh.get_repo(repo)
    assert (caught.value.status, caught.value.retryable) == (403, True)
    assert waits[0] <= caught.value.retry_after <= waits[1]


async def test_request_rate_limited_429_uses_retry_after(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.fail_next("POST", "/issues$", 429, headers={"retry-after": "7"})
    with pytest.raises(GitHubRateLimited) as caught:
        await gh.create_issue(repo, title="t", body="b")
    assert (caught.value.status, caught.value.retry_after, caught.value.retryable) == (429, 7, True)
    assert github.issues(repo) == []


async def test_request_403_without_rate_limit_is_auth_error(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    body = {"message": "Resource not accessible by integration", "documentation_url": "x"}
    github.fail_next("GET", f"/repos/{repo}$", 403, body=body)
    with pytest.raises(GitHubAuthError) as caught:
        await gh.get_repo(repo)
    assert not caught.value.retryable
    assert caught.value.message == "Resource not accessible by integration"


async def test_request_missing_repo_raises_not_found(gh: GitHubClient) -> None:
    with pytest.raises(GitHubNotFound) as caught:
        await gh.get_issue("nobody/nothing", 1)
    assert (caught.value.status, caught.value.message, caught.value.retryable) == (
        404,
        "Not Found",
        False,
    )


async def test_request_bad_token_raises_auth_error_without_token(github: FakeGitHub) -> None:
    wrong = "ghp_wrongtoken_SHOULD_NOT_LEAK"
    async with GitHubClient(github.url, wrong) as client:
        with pytest.raises(GitHubAuthError) as caught:
            await client.get_repo("octo/anything")
    assert (caught.value.status, caught.value.message) == (401, "Bad credentials")
    assert not caught.value.retryable
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)
    assert wrong not in repr(client)


async def test_request_server_error_is_retryable(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.fail_next("GET", "/actions/runs/", 500, times=1)
    github.add_workflow_run(repo, run_id=42)
    with pytest.raises(GitHubServerError) as caught:
        await gh.get_workflow_run(repo, 42)
    assert (caught.value.status, caught.value.retryable) == (500, True)
    assert (await gh.get_workflow_run(repo, 42))["id"] == 42  # fault used up


async def test_request_unreachable_host_is_retryable_server_error() -> None:
    closed = FakeGitHub()  # bound but never started: connection refused
    url = closed.url
    closed.stop()
    async with GitHubClient(url, TOKEN, timeout=2) as client:
        with pytest.raises(GitHubServerError) as caught:
            await client.get_repo("octo/app")
    assert caught.value.retryable and caught.value.status is None
    assert TOKEN not in str(caught.value)


async def test_request_slower_than_timeout_is_retryable_server_error(
    github: FakeGitHub, repo: str
) -> None:
    github.delay("GET", f"/repos/{repo}$", 0.5, times=1)
    async with GitHubClient(github.url, TOKEN, timeout=0.1) as client:
        with pytest.raises(GitHubServerError) as caught:
            await client.get_repo(repo)
    assert caught.value.retryable


async def test_errors_never_contain_token(gh: GitHubClient, github: FakeGitHub, repo: str) -> None:
    github.fail_next("*", f"/repos/{repo}", 500, body={"message": f"echo {TOKEN}"})
    github.fail_next("*", f"/repos/{repo}", 422, body={"message": "x", "errors": [TOKEN]})
    raised: list[GitHubError] = []
    for _ in range(2):
        with pytest.raises(GitHubError) as caught:
            await gh.get_repo(repo)
        raised.append(caught.value)
    for exc in raised:
        assert TOKEN not in str(exc) and TOKEN not in repr(exc) and TOKEN not in exc.message


# --- bodies and the 65,536-character limit ---------------------------------------------


async def test_create_issue_body_over_limit_raises_validation_failed(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    assert await gh.create_issue(repo, title="max", body="x" * MAX_BODY_CHARS)
    with pytest.raises(GitHubValidationFailed) as caught:
        await gh.create_issue(repo, title="too long", body="x" * (MAX_BODY_CHARS + 1))
    assert caught.value.status == 422 and not caught.value.retryable
    assert caught.value.errors == [
        {
            "resource": "Issue",
            "code": "custom",
            "field": "body",
            "message": "body is too long (maximum is 65536 characters)",
        }
    ]
    accepted = await gh.create_issue(repo, title="fitted", body=fit_body("x" * 70_000))
    assert len(accepted["body"]) <= MAX_BODY_CHARS
    assert [i["title"] for i in github.issues(repo)] == ["max", "fitted"]


async def test_create_comment_body_over_limit_raises_validation_failed(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    number = github.add_issue(repo, title="t")["number"]
    with pytest.raises(GitHubValidationFailed) as caught:
        await gh.create_comment(repo, number, "y" * (MAX_BODY_CHARS + 1))
    assert caught.value.errors[0]["resource"] == "IssueComment"


@pytest.mark.parametrize(
    ("text", "limit", "keep"),
    [
        ("short", 100, "head"),
        ("x" * 100, 100, "head"),
        ("x" * 101, 100, "head"),
        ("x" * 200_000, MAX_BODY_CHARS, "head"),
        ("x" * 200_000, MAX_BODY_CHARS, "tail"),
        ("```\n" + "log line\n" * 20_000, MAX_BODY_CHARS, "head"),
        ("x" * 50, 10, "head"),
    ],
)
def test_fit_body_stays_within_limit(text: str, limit: int, keep: str) -> None:
    fitted = fit_body(text, limit, keep=keep)  # type: ignore[arg-type]
    assert len(fitted) <= limit
    if len(text) <= limit:
        assert fitted == text
    elif limit > 100:
        assert "truncated by hookflow" in fitted


def test_fit_body_closes_open_code_fence() -> None:
    fitted = fit_body("```\n" + "log line\n" * 20_000)
    assert fitted.count("```") % 2 == 0
    tail = fit_body("```\n" + "log line\n" * 20_000 + "```\nafter", keep="tail")
    assert tail.endswith("after") and tail.count("```") % 2 == 0


def test_marker_rejects_keys_that_break_the_comment() -> None:
    assert marker("ci-failure/octo/app#12") == "<!-- hookflow:ci-failure/octo/app#12 -->"
    for bad in ("", "a-->b", "a--b", "two\nlines"):
        with pytest.raises(ValueError):
            marker(bad)


# --- idempotent writes -----------------------------------------------------------------


async def test_ensure_comment_twice_creates_once(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    number = github.add_issue(repo, title="t")["number"]
    for i in range(120):  # the marked comment sits on the second page
        github.add_comment(repo, number, f"noise {i}")
    first, created = await gh.ensure_comment(repo, number, key="run-1/result", body="Done.")
    again, created_again = await gh.ensure_comment(repo, number, key="run-1/result", body="Done!")
    assert (created, created_again) == (True, False)
    assert again["id"] == first["id"]
    assert first["body"].startswith("Done.") and marker("run-1/result") in first["body"]
    assert len(github.comments(repo, number)) == 121


async def test_ensure_comment_long_body_fits_with_marker(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    number = github.add_issue(repo, title="t")["number"]
    comment, created = await gh.ensure_comment(repo, number, key="big", body="z" * 100_000)
    assert created and len(comment["body"]) <= MAX_BODY_CHARS
    assert comment["body"].endswith(marker("big"))
    assert (await gh.ensure_comment(repo, number, key="big", body="z"))[1] is False


async def test_ensure_issue_twice_creates_once(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.add_issue(repo, title="unrelated", labels=("ci-failure",))
    args = {"key": "ci-failure/CI/main", "title": "CI failing on main", "labels": ["ci-failure"]}
    issue, created = await gh.ensure_issue(repo, body="first", **args)  # type: ignore[arg-type]
    await gh.update_issue(repo, issue["number"], state="closed")
    again, created_again = await gh.ensure_issue(repo, body="second", **args)  # type: ignore[arg-type]
    assert (created, created_again) == (True, False)
    assert again["number"] == issue["number"]
    assert len(github.issues(repo)) == 2
    assert [x["name"] for x in github.issue(repo, issue["number"])["labels"]] == ["ci-failure"]


async def test_ensure_issue_open_only_creates_new_after_close(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    issue, _ = await gh.ensure_issue(repo, key="k", title="t", body="b", labels=(), state="open")
    await gh.update_issue(repo, issue["number"], state="closed")
    again, created = await gh.ensure_issue(repo, key="k", title="t", body="b", state="open")
    assert created and again["number"] != issue["number"]


async def test_ensure_comment_ignores_marker_in_strangers_comment(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    number = github.add_issue(repo, title="t")["number"]
    github.add_comment(repo, number, f"lol {marker('run-1-final')}", author="mallory")
    comment, created = await gh.ensure_comment(repo, number, key="run-1-final", body="Done.")
    assert created and comment["user"]["login"] == "hookflow-bot"
    assert [c["user"]["login"] for c in github.comments(repo, number)] == [
        "mallory",
        "hookflow-bot",
    ]
    # hookflow's own comment is found again (a retry does not post twice).
    assert (await gh.ensure_comment(repo, number, key="run-1-final", body="x"))[1] is False


async def test_ensure_issue_ignores_marker_in_strangers_issue(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    github.add_issue(
        repo,
        title="CI failing",
        body=marker("ci-failure/CI/main"),
        labels=("ci-failure",),
        author="mallory",
    )
    issue, created = await gh.ensure_issue(
        repo, key="ci-failure/CI/main", title="CI failing", body="b", labels=["ci-failure"]
    )
    assert created and issue["user"]["login"] == "hookflow-bot"


async def test_own_login_asks_get_user_once_unless_given(github: FakeGitHub) -> None:
    async with GitHubClient(github.url, TOKEN) as client:
        assert await client.own_login() == "hookflow-bot"
        assert await client.own_login() == "hookflow-bot"
        assert len(github.requests_to("GET", r"^/user$")) == 1
    async with GitHubClient(github.url, TOKEN, login=app_bot_login("hookflow")) as app:
        assert await app.own_login() == "hookflow[bot]"
        assert len(github.requests_to("GET", r"^/user$")) == 1


async def test_ensure_pull_twice_creates_once(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    args = {"head": "hookflow/run-1", "base": "main", "title": "Fix", "body": "b", "draft": True}
    pull, created = await gh.ensure_pull(repo, **args)  # type: ignore[arg-type]
    again, created_again = await gh.ensure_pull(repo, **args)  # type: ignore[arg-type]
    assert (created, created_again) == (True, False)
    assert again["number"] == pull["number"]
    assert len(github.pulls(repo)) == 1


async def test_ensure_pull_already_exists_race_returns_existing(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    existing = github.add_pull(repo, title="from another attempt", head="hookflow/run-2")
    # The lookup misses it (as if it were created just after), the create then gets 422.
    github.fail_next("GET", f"{repo}/pulls$", 200, body=[])
    pull, created = await gh.ensure_pull(
        repo, head="hookflow/run-2", base="main", title="Fix", body="b"
    )
    assert not created and pull["number"] == existing["number"]
    assert len(github.requests_to("POST", f"{repo}/pulls$")) == 1
    assert len(github.pulls(repo)) == 1


async def test_ensure_pull_after_merge_creates_new(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    old = github.add_pull(repo, title="old", head="hookflow/run-3")
    github.merge_pull(repo, old["number"])
    pull, created = await gh.ensure_pull(
        repo, head="hookflow/run-3", base="main", title="new", body="b"
    )
    assert created and pull["number"] != old["number"]


def test_fake_log_url_expires() -> None:
    # A negative lifetime: the URL has expired by the time it is handed out.
    with FakeGitHub(log_url_ttl=-1) as short:
        short.add_repo("o/r")
        short.add_workflow_run("o/r", run_id=1, jobs=[{"id": 5, "logs": "x"}])
        redirect = httpx.get(f"{short.url}/repos/o/r/actions/jobs/5/logs")
        assert redirect.status_code == 302
        assert httpx.get(redirect.headers["location"]).status_code == 403


def test_errors_survive_pickling() -> None:
    limited = GitHubRateLimited(12.0, status=403, message="API rate limit exceeded")
    failed = GitHubValidationFailed(422, "Validation Failed", errors=[{"code": "custom"}])
    for exc in (limited, failed, GitHubNotFound(404, "Not Found")):
        copy = pickle.loads(pickle.dumps(exc))
        assert type(copy) is type(exc) and str(copy) == str(exc)
        assert copy.__dict__ == exc.__dict__

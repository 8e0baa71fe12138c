"""GitHubClient's permission look-up and reactions against FakeGitHub over real HTTP: the shapes
GitHub documents, and a reaction that is only created when hookflow has not left it yet."""

from __future__ import annotations

import uuid

import pytest

from ghclient import GitHubClient, GitHubNotFound, GitHubValidationFailed
from tests.support.fakes import FakeGitHub


@pytest.fixture
def github(shared_github: FakeGitHub) -> FakeGitHub:
    """The module's one fake GitHub, also under the `repo` of tests/support/github_repo.py."""
    return shared_github


@pytest.mark.parametrize(
    ("role", "permission"),
    [
        ("admin", "admin"),
        ("maintain", "write"),
        ("write", "write"),
        ("triage", "read"),
        ("read", "read"),
    ],
)
async def test_permission_reports_role_and_legacy_permission(
    gh: GitHubClient, github: FakeGitHub, repo: str, role: str, permission: str
) -> None:
    github.set_permission(repo, "Mona", role)
    found = await gh.get_permission(repo, "mona")
    assert (found["role_name"], found["permission"], found["user"]["login"]) == (
        role,
        permission,
        "mona",
    )


async def test_permission_of_a_stranger_is_read_on_public_and_404_on_private(
    gh: GitHubClient, github: FakeGitHub
) -> None:
    public, private = f"octo/pub-{uuid.uuid4().hex[:6]}", f"octo/priv-{uuid.uuid4().hex[:6]}"
    github.add_repo(public)
    github.add_repo(private, private=True)
    assert (await gh.get_permission(public, "stranger"))["permission"] == "read"
    with pytest.raises(GitHubNotFound):
        await gh.get_permission(private, "stranger")


async def test_ensure_reaction_creates_once_and_delete_removes(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    issue = github.add_issue(repo, title="t")
    target = (issue["number"], None)
    first, created = await gh.ensure_reaction(repo, target, "eyes")
    again, created_again = await gh.ensure_reaction(repo, target, "eyes")
    assert created and not created_again and first["id"] == again["id"]
    assert first["content"] == "eyes" and first["user"]["login"] == "hookflow-bot"
    posts = github.requests_to("POST", rf"/issues/{issue['number']}/reactions$")
    assert len(posts) == 1  # looked before creating
    assert [r["content"] for r in github.reactions(repo, issue["number"])] == ["eyes"]
    await gh.delete_reaction(repo, target, first["id"])
    await gh.delete_reaction(repo, target, first["id"])  # already gone: no error
    assert github.reactions(repo, issue["number"]) == []


async def test_reactions_on_a_comment_and_only_own_ones_count(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    issue = github.add_issue(repo, title="t")
    comment = github.add_comment(repo, issue["number"], "/hookflow run", author="mona")
    target = (issue["number"], comment["id"])
    await gh.create_reaction(repo, target, "rocket")
    assert [r["content"] for r in await gh.own_reactions(repo, target)] == ["rocket"]
    assert await gh.own_reactions(repo, (issue["number"], None)) == []
    assert [r["content"] for r in github.reactions(repo, issue["number"], comment["id"])] == [
        "rocket"
    ]


async def test_unknown_reaction_content_is_422_and_unknown_comment_404(
    gh: GitHubClient, github: FakeGitHub, repo: str
) -> None:
    issue = github.add_issue(repo, title="t")
    with pytest.raises(GitHubValidationFailed):
        await gh.create_reaction(repo, (issue["number"], None), "thumbsup")
    with pytest.raises(GitHubNotFound):
        await gh.create_reaction(repo, (issue["number"], 999_999), "eyes")

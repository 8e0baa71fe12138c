"""`POST /webhook/{name}` (seed 002, "Option 2: Path-based routing"): a short repository name
that the configuration resolves unambiguously; unknown and ambiguous names answer 404 with a
reason and route nothing; the payload's repository must be the one the name resolved to."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from db.engine import SessionFactory
from db.models import WebhookEvent
from delivery.path_repo import PathRepo, resolve_short_name
from tests.support.files import load_fixture
from tests.support.webhooks import SECRET, deliver

AI_RUN = "events/issues_labeled_ai_run.json"  # repository octo-org/octo-repo
REPO_SECRET = "octo-repo-secret-0123456789"


@pytest.mark.parametrize(
    ("name", "with_secrets", "allowed", "expected"),
    [
        ("repo1", ["acme/repo1", "acme/repo2"], [], "acme/repo1"),
        ("REPO1", ["acme/repo1"], [], "acme/repo1"),  # GitHub names are case-insensitive
        ("widgets", [], ["acme/widgets"], "acme/widgets"),  # ALLOWED_REPOS alone
        ("widgets", ["acme/widgets"], ["acme/widgets"], "acme/widgets"),  # both: one repo
        ("widgets", ["acme/Widgets"], ["acme/widgets"], "acme/Widgets"),  # one repo, two cases
        ("widgets", ["acme/widgets", "other/widgets"], [], None),  # ambiguous
        ("widgets", ["acme/widgets"], ["other/widgets"], None),  # ambiguous across settings
        ("gadgets", ["acme/widgets"], [], None),  # unknown
        ("acme", ["acme/widgets"], [], None),  # an owner is not a repository name
        ("", ["acme/widgets"], [], None),
        ("widgets", [], [], None),  # nothing configured: nothing routed by name
    ],
)
def test_resolve_short_name(
    name: str, with_secrets: list[str], allowed: list[str], expected: str | None
) -> None:
    found = resolve_short_name(name, with_secrets, allowed)
    assert found.full_name == expected
    assert (found.reason is None) == (expected is not None)


def test_resolve_short_name_reasons_name_the_candidates() -> None:
    ambiguous = resolve_short_name("widgets", ["acme/widgets", "other/widgets"])
    assert ambiguous == PathRepo(
        None, "'widgets' is ambiguous (acme/widgets, other/widgets): use /webhook/{owner}/{repo}"
    )
    unknown = resolve_short_name("gadgets", ["acme/widgets"])
    assert unknown.reason is not None and "GITHUB_WEBHOOK_REPO_SECRETS" in unknown.reason


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "github_webhook_repo_secrets": (
            f"octo-org/octo-repo={REPO_SECRET},acme/widgets=w-secret-1,other/widgets=w-secret-2"
        ),
        "allowed_repos": "octo-org/octo-repo,acme/widgets,other/widgets,octo-org/elsewhere",
    }


async def rows(sessions: SessionFactory) -> dict[str | None, WebhookEvent]:
    async with sessions() as session:
        return {r.delivery_id: r for r in (await session.exec(select(WebhookEvent))).all()}


async def test_short_name_paths(api: httpx.AsyncClient, sessions: SessionFactory) -> None:
    payload = load_fixture(AI_RUN)
    known = await deliver(
        api, "issues", payload, path="/webhook/octo-repo", secret=REPO_SECRET, delivery="n-ok"
    )
    assert known.status_code == 200 and known.json()["status"] == "accepted", known.text
    assert known.json()["repo"] == "octo-org/octo-repo"
    # The shared secret is not that repository's own.
    shared = await deliver(
        api, "issues", payload, path="/webhook/octo-repo", secret=SECRET, delivery="n-shared"
    )
    assert shared.status_code == 401

    unknown = await deliver(api, "issues", payload, path="/webhook/nothing", delivery="n-unk")
    assert unknown.status_code == 404
    assert "no configured repository is named 'nothing'" in unknown.json()["reason"]
    ambiguous = await deliver(
        api, "issues", payload, path="/webhook/widgets", secret="w-secret-1", delivery="n-amb"
    )
    assert ambiguous.status_code == 404
    assert "acme/widgets, other/widgets" in ambiguous.json()["reason"]

    # A name in ALLOWED_REPOS only verifies with the shared secret; this payload is another
    # repository's: refused (400) and kept, as for /webhook/{owner}/{repo}.
    other = await deliver(
        api, "issues", payload, path="/webhook/elsewhere", secret=SECRET, delivery="n-other"
    )
    assert other.status_code == 400, other.text
    assert "does not match the path (octo-org/elsewhere)" in other.json()["reason"]

    stored = await rows(sessions)
    # 404s route nothing and record nothing; every other answer has its row.
    assert set(stored) == {"n-ok", "n-shared", "n-other"}
    assert stored["n-ok"].repo == "octo-org/octo-repo" and stored["n-ok"].signature_valid
    assert [a["workflow"] for a in stored["n-ok"].dispatch_plan] == ["RunWorkflow"]
    assert not stored["n-shared"].signature_valid and stored["n-shared"].payload == {}
    assert stored["n-other"].signature_valid and stored["n-other"].dispatch_plan == []

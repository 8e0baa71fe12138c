"""Closing-keyword parsing: GitHub's documented syntax, and what must not count as a reference."""

import pytest

from activities.closing_keywords import (
    KEYWORDS,
    IssueRef,
    closing_references,
    may_close,
    references_in_pull_request,
)

REPO = "octo-org/octo-repo"


def ref(number: int, repo: str = REPO) -> IssueRef:
    return IssueRef(repo=repo, number=number)


@pytest.mark.parametrize("keyword", KEYWORDS)
@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.capitalize])
def test_closing_references_finds_every_keyword_in_any_case(keyword, spelling):
    assert closing_references(f"{spelling(keyword)} #10", default_repo=REPO) == [ref(10)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Closes #10", [ref(10)]),
        ("Closes: #10", [ref(10)]),
        ("CLOSES: #10", [ref(10)]),
        ("Fixes:#7", [ref(7)]),
        ("Resolves  :  #7", [ref(7)]),
        ("fixes #42.", [ref(42)]),
        ("(fixes #42)", [ref(42)]),
        ("This PR\n\nFixes #3\n", [ref(3)]),
        ("Fixes octo-org/other-repo#100", [ref(100, "octo-org/other-repo")]),
        ("Fixes my-org2/repo_name.js#5", [ref(5, "my-org2/repo_name.js")]),
        ("Fixes https://github.com/octo-org/other/issues/12", [ref(12, "octo-org/other")]),
        ("fixed http://github.com/a/b/issues/9#issuecomment-1", [ref(9, "a/b")]),
        ("Closes https://github.com/octo-org/octo-repo/issues/8", [ref(8)]),
        ("Fixes Octo-Org/Octo-Repo#8", [ref(8)]),
    ],
)
def test_closing_references_parses_documented_forms(text, expected):
    assert closing_references(text, default_repo=REPO) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Fixes #1, fixes owner/other#2",
            [ref(1), ref(2, "owner/other")],
        ),
        (
            "Resolves #10, resolves #123, resolves octo-org/octo-repo#100",
            [ref(10), ref(123), ref(100)],
        ),
        ("fix #5 and close #3 then resolve #4", [ref(5), ref(3), ref(4)]),
        ("Fixes #1, #2", [ref(1)]),  # each issue needs its own keyword
    ],
)
def test_closing_references_keeps_order_of_appearance(text, expected):
    assert closing_references(text, default_repo=REPO) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Fixes #1. Also fixes #1 again; closes #1", [ref(1)]),
        ("Fixes #1, closes octo-org/octo-repo#1", [ref(1)]),
        ("Fixes a/b#2 and fixes A/B#2", [ref(2, "a/b")]),
        ("fixes https://github.com/a/b/issues/2 and fixes a/b#2", [ref(2, "a/b")]),
        ("Fixes #2, fixes #1, fixes #2", [ref(2), ref(1)]),
    ],
)
def test_closing_references_deduplicates(text, expected):
    assert closing_references(text, default_repo=REPO) == expected


@pytest.mark.parametrize(
    "text",
    [
        "#3",
        "See #3",
        "prefixes #3",
        "suffixed #3",
        "unresolved #3",
        "closeable #3",
        "pre-fix #3",
        "hotfix #3",
        "fixes#3",
        "fixes #",
        "fixes #abc",
        "fixes #3abc",
        "fixes #0",
        "Fixes issue #3",
        "fixing #3",
        "closing #3",
        "fixes https://example.com/a/b/issues/3",
        "fixes https://github.com/a/b/pull/3/files",
        "`Fixes #3`",
        "```\nFixes #3\n```",
        "<!-- Fixes #3 -->",
        "",
    ],
)
def test_closing_references_ignores_non_references(text):
    assert closing_references(text, default_repo=REPO) == []


def test_closing_references_accepts_enterprise_hosts_when_configured():
    text = "Fixes https://ghe.example.com/team/app/issues/4"
    assert closing_references(text, default_repo=REPO) == []
    assert closing_references(text, default_repo=REPO, hosts=["ghe.example.com"]) == [
        ref(4, "team/app")
    ]


@pytest.mark.parametrize(
    "title, body, expected",
    [
        ("Fix login (fixes #1)", "Closes #2", [ref(1), ref(2)]),
        ("Fixes #1", "fixes #1 and fixes other/repo#3", [ref(1), ref(3, "other/repo")]),
        (None, "Resolves #5", [ref(5)]),
        ("Closes #6", None, [ref(6)]),
        (None, None, []),
        ("Fix `parser", "closes` #9", []),
        ("Update README", "<!-- Fixes #123 -->\nNo issue.", []),
    ],
)
def test_references_in_pull_request_reads_title_and_body(title, body, expected):
    assert references_in_pull_request(title, body, repo=REPO) == expected


def test_issue_ref_is_hashable_and_printable():
    assert {ref(1), ref(1)} == {ref(1)}
    assert str(ref(1)) == "octo-org/octo-repo#1"


@pytest.mark.parametrize(
    ("target", "allowed", "expected"),
    [
        ("acme/app", (), True),
        ("ACME/App", ("other/x",), True),  # its own repository is always allowed
        ("acme/lib", (), True),  # same owner, no allow-list
        ("Acme/lib", (), True),
        ("other-org/x", (), False),
        ("other-org/x", ("acme/app", "other-org/x"), True),
        ("other-org/X", ("other-org/x",), True),
        ("acme/lib", ("acme/app",), False),  # an allow-list replaces the same-owner rule
        ("other-org/y", ("other-org/x",), False),
    ],
)
def test_may_close_only_own_allowed_or_same_owner_repositories(
    target: str, allowed: tuple[str, ...], expected: bool
) -> None:
    assert may_close("acme/app", target, allowed) is expected

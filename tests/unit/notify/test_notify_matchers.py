"""Alertmanager's matcher syntax over notification labels, table-driven."""

from __future__ import annotations

import pytest

from notify.matchers import LABELS, MatcherError, labels_of, parse_labels, parse_matcher
from notify.silences import silence_matchers

LABELS_API = {name: "" for name in LABELS} | {
    "repo": "acme/api",
    "type": "ci_failure",
    "priority": "high",
    "branch": "release/1.2",
}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ('repo="acme/api"', True),
        ("repo=acme/api", True),  # quotes are optional
        ('  repo = "acme/api"  ', True),
        ('repo!="acme/api"', False),
        ('repo=~"acme/.*"', True),
        ('repo=~"acme"', False),  # anchored: the whole value must match
        ('repo!~"acme/(web|docs)"', True),
        ('branch=~"release/.*"', True),
        ('sender=""', True),  # an absent label is the empty string
        ('sender!=""', False),
        ('type=~"ci_(failure|success)"', True),
        ('priority=~"HIGH"', False),  # case-sensitive, as in Alertmanager
        ('workflow="say \\"hi\\""', False),
    ],
)
def test_matcher_against_labels(text: str, matches: bool) -> None:
    assert parse_matcher(text).matches(LABELS_API) is matches


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('prio="high"', "unknown label 'prio'"),
        ("repo~acme", "bad matcher"),
        ('repo=~"("', "bad regex"),
        ('repo="acme', "unbalanced quotes"),
        ('repo="a\\qb"', "invalid escape"),
        (42, "a matcher is a string"),
        ("", "bad matcher"),
    ],
)
def test_bad_matcher_says_why(text: object, message: str) -> None:
    with pytest.raises(MatcherError, match=message):
        parse_matcher(text)


def test_matcher_prints_in_the_syntax_it_reads() -> None:
    m = parse_matcher('workflow="say \\"hi\\""')
    assert m.value == 'say "hi"'
    assert parse_matcher(str(m)) == m


def test_labels_of_a_notification_are_strings_with_absent_ones_empty() -> None:
    labels = labels_of({"type": "pr_created", "repo": "acme/api", "pr_number": 7, "branch": None})
    assert labels["type"] == "pr_created" and labels["branch"] == "" and "pr_number" not in labels
    assert set(labels) == set(LABELS)


def test_cli_labels_parse_and_refuse_unknown_names() -> None:
    assert parse_labels("repo=acme/api, type=ci_failure")["type"] == "ci_failure"
    with pytest.raises(MatcherError, match="bad label"):
        parse_labels("colour=red")


@pytest.mark.parametrize(
    ("matchers", "message"),
    [
        ([], "at least one matcher"),
        (['repo=~".*"'], "mute everything"),
        (['sender=""', 'repo!="x"'], "mute everything"),
        (['repo="a"', "bad"], "matchers\\[1\\]"),
    ],
)
def test_silence_matchers_refuse_what_would_silence_everything(
    matchers: list[str], message: str
) -> None:
    with pytest.raises(MatcherError, match=message):
        silence_matchers(matchers)

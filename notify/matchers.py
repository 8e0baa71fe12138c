"""Alertmanager's label matchers (`repo="acme/api"`, `priority!="low"`, `repo=~"acme/.*"`,
`branch!~"feature/.*"`) over a notification's labels. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The labels every notification carries; a matcher may name no other (a typo would silently
# match nothing, or everything with `!=`).
LABELS = ("type", "priority", "repo", "branch", "workflow", "event", "action", "sender")
OPERATORS = ("=~", "!~", "!=", "=")  # longest first: `=~` must not read as `=` + `~…`

_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$", re.DOTALL)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}


class MatcherError(ValueError):
    """A matcher that cannot be parsed; the message says what is wrong with it."""


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # = | != | =~ | !~
    value: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        # An absent label is the empty string, as in Alertmanager.
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self._regex is not None
        found = self._regex.fullmatch(actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'


def _unquote(text: str) -> str:
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        if '"' in text:
            raise MatcherError(f"unbalanced quotes in value {text!r}")
        return text
    inner, out, i = text[1:-1], [], 0
    while i < len(inner):
        char = inner[i]
        if char == "\\":
            if i + 1 >= len(inner) or inner[i + 1] not in _ESCAPES:
                raise MatcherError(f'invalid escape in value {text!r} (use \\", \\\\ or \\n)')
            out.append(_ESCAPES[inner[i + 1]])
            i += 2
            continue
        if char == '"':
            raise MatcherError(f'unescaped " inside value {text!r}')
        out.append(char)
        i += 1
    return "".join(out)


def compile_regex(pattern: str) -> re.Pattern[str]:
    """The pattern as a regex that must match the whole value (Alertmanager anchors them)."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise MatcherError(f"bad regex {pattern!r}: {exc}") from None


def make_matcher(name: str, op: str, value: str) -> Matcher:
    """A checked matcher: a known label, a known operator, a regex that compiles."""
    if name not in LABELS:
        raise MatcherError(f"unknown label {name!r} (use one of {', '.join(LABELS)})")
    if op not in OPERATORS:
        raise MatcherError(f"unknown operator {op!r} (use =, !=, =~ or !~)")
    regex = compile_regex(value) if op in ("=~", "!~") else None
    return Matcher(name, op, value, regex)


def parse_matcher(text: Any) -> Matcher:
    """`name="value"` (quotes optional) with =, !=, =~ or !~; raises MatcherError."""
    if not isinstance(text, str):
        raise MatcherError(f"a matcher is a string like 'repo=\"acme/api\"', not {text!r}")
    found = _MATCHER.match(text)
    if found is None:
        raise MatcherError(
            f'bad matcher {text!r} (write label="value" with =, !=, =~ or !~; '
            f"labels: {', '.join(LABELS)})"
        )
    name, op, raw = found.groups()
    return make_matcher(name, op, _unquote(raw))


def parse_matchers(texts: Iterable[Any]) -> list[Matcher]:
    """Every matcher of a list; the first bad one raises (with its index)."""
    result = []
    for i, text in enumerate(texts):
        try:
            result.append(parse_matcher(text))
        except MatcherError as exc:
            raise MatcherError(f"matchers[{i}]: {exc}") from None
    return result


def matches_all(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


def labels_of(notification: Mapping[str, Any]) -> dict[str, str]:
    """The labels of a notification (routing.notifications.Notification as a dict): absent or
    empty fields are the empty string."""
    labels = {}
    for name in LABELS:
        value = notification.get(name)
        labels[name] = "" if value is None else str(value)
    return labels


def parse_labels(text: str) -> dict[str, str]:
    """`repo=acme/api,type=ci_failure` (the CLI's --labels) → labels; raises MatcherError."""
    labels: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in LABELS:
            raise MatcherError(
                f"bad label {part!r} (write name=value with a name among {', '.join(LABELS)})"
            )
        labels[name] = value.strip().strip('"')
    return {name: labels.get(name, "") for name in LABELS}

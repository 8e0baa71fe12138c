"""Closing-keyword parsing: which issues a pull request (or commit message) says it closes.

Follows GitHub's documented syntax: ``KEYWORD #N``, ``KEYWORD OWNER/REPO#N`` (and the issue URL),
keywords case-insensitive and optionally followed by a colon (``Closes: #10``). Each issue needs
its own keyword: in ``Fixes #1, #2`` only #1 is closed. Text inside code spans, fenced code blocks
and HTML comments (PR templates' ``<!-- Fixes #123 -->``) is not rendered by GitHub and is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["IssueRef", "closing_references", "may_close", "references_in_pull_request"]

KEYWORDS = ("close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved")

# GitHub owner: alphanumerics and single hyphens, ≤ 39 chars; repo: alphanumerics, '.', '_', '-'.
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_REPO = r"[A-Za-z0-9._-]{1,100}"
_KEYWORD = r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
# Not preceded by a word character, '-' or '/' ("prefixes #3", "pre-fix #3", "a/fix #3").
_LEFT = r"(?<![\w/-])"
_SEP = r"(?:[ \t]*:[ \t]*|[ \t]+)"
_NUM_END = r"(?![\w-])"

_FENCED = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]{0,3}\1[ \t]*$|\Z)", re.M | re.S)
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)


@dataclass(frozen=True, order=True)
class IssueRef:
    """An issue (or pull request) number in a repository ``owner/name``."""

    repo: str
    number: int

    def __str__(self) -> str:
        return f"{self.repo}#{self.number}"


def _pattern(hosts: Iterable[str]) -> re.Pattern[str]:
    host_alt = "|".join(re.escape(h) for h in hosts)
    ref = (
        rf"(?:https?://(?:{host_alt})/(?P<url_owner>{_OWNER})/(?P<url_repo>{_REPO})"
        rf"/issues/(?P<url_num>\d+){_NUM_END}"
        rf"|(?P<x_owner>{_OWNER})/(?P<x_repo>{_REPO})#(?P<x_num>\d+){_NUM_END}"
        rf"|#(?P<num>\d+){_NUM_END})"
    )
    return re.compile(rf"{_LEFT}{_KEYWORD}{_SEP}{ref}", re.IGNORECASE)


_DEFAULT_HOSTS = ("github.com", "www.github.com")
_DEFAULT_PATTERN = _pattern(_DEFAULT_HOSTS)


def _strip_unrendered(text: str) -> str:
    """Blank out code and HTML comments, keeping a separator so words do not fuse."""
    for rx in (_HTML_COMMENT, _FENCED, _INLINE_CODE):
        text = rx.sub(" ", text)
    return text


def _same_repo(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def closing_references(
    text: str, *, default_repo: str, hosts: Iterable[str] | None = None
) -> list[IssueRef]:
    """Issues that ``text`` closes, deduplicated, in order of appearance.

    ``#N`` refers to ``default_repo``; a cross-repository reference keeps its own repository
    (spelled as written unless it names ``default_repo`` in another case). ``hosts`` adds
    GitHub Enterprise host names for issue URLs (default: github.com).
    """
    pattern = _DEFAULT_PATTERN if hosts is None else _pattern(hosts)
    return _dedupe(_iter_refs(text, pattern, default_repo))


def _iter_refs(text: str, pattern: re.Pattern[str], default_repo: str) -> Iterable[IssueRef]:
    if not text:
        return
    for m in pattern.finditer(_strip_unrendered(text)):
        if m.group("num") is not None:
            repo, number = default_repo, int(m.group("num"))
        elif m.group("x_num") is not None:
            repo, number = f"{m.group('x_owner')}/{m.group('x_repo')}", int(m.group("x_num"))
        else:
            repo, number = f"{m.group('url_owner')}/{m.group('url_repo')}", int(m.group("url_num"))
        if _same_repo(repo, default_repo):
            repo = default_repo
        if number > 0:
            yield IssueRef(repo=repo, number=number)


def _dedupe(refs: Iterable[IssueRef]) -> list[IssueRef]:
    seen: set[tuple[str, int]] = set()
    out: list[IssueRef] = []
    for ref in refs:
        key = (ref.repo.casefold(), ref.number)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out


def references_in_pull_request(
    title: str | None, body: str | None, *, repo: str, hosts: Iterable[str] | None = None
) -> list[IssueRef]:
    """Issues a pull request closes according to its title and body (title first)."""
    pattern = _DEFAULT_PATTERN if hosts is None else _pattern(hosts)
    return _dedupe(ref for part in (title, body) for ref in _iter_refs(part or "", pattern, repo))


def may_close(pr_repo: str, target: str, allowed: Iterable[str]) -> bool:
    """Whether a PR merged in ``pr_repo`` may close an issue in ``target``: the same
    repository always; another one only if ``allowed`` (ALLOWED_REPOS) lists it, or, without
    an allow-list, when it has the same owner (anyone can write ``fixes other-org/x#1``)."""
    if _same_repo(pr_repo, target):
        return True
    listed = {repo.casefold() for repo in allowed}
    if listed:
        return target.casefold() in listed
    return _same_repo(pr_repo.split("/", 1)[0], target.split("/", 1)[0])

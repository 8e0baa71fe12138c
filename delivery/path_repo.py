"""Which repository a one-segment payload URL (`/webhook/{name}`, seed 002's path-based routing)
means: the one configured repository with that short name, or a reason why there is none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PathRepo:
    full_name: str | None  # owner/name when exactly one configured repository matches
    reason: str | None = None  # why not, for the 404


def resolve_short_name(
    name: str, with_secrets: Iterable[str], allowed: Iterable[str] = ()
) -> PathRepo:
    """Match `name` against the repositories of GITHUB_WEBHOOK_REPO_SECRETS and ALLOWED_REPOS
    (case-insensitively, as GitHub compares names). Never guesses: none or several → a reason."""
    wanted = name.strip().lower()
    if not wanted or "/" in wanted:
        return PathRepo(None, "the path must name one repository: /webhook/{name}")
    # The spelling of GITHUB_WEBHOOK_REPO_SECRETS first: its secret is looked up by it.
    known = [r.strip() for r in (*with_secrets, *allowed) if r.strip().count("/") == 1]
    matches = list(dict.fromkeys(r for r in known if r.split("/", 1)[1].lower() == wanted))
    # owner/Repo and owner/repo are one repository on GitHub
    distinct = sorted({m.lower() for m in matches})
    if not matches:
        return PathRepo(
            None,
            f"no configured repository is named {name!r}: add owner/{name} to "
            "GITHUB_WEBHOOK_REPO_SECRETS (or ALLOWED_REPOS), or use /webhook/{owner}/{repo}",
        )
    if len(distinct) > 1:
        return PathRepo(
            None,
            f"{name!r} is ambiguous ({', '.join(distinct)}): use /webhook/{{owner}}/{{repo}}",
        )
    return PathRepo(matches[0])

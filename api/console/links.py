"""Links the console builds to other tools: the Temporal Web UI, GitHub issues. Every part taken
from data is URL-encoded; a link from a payload is kept only when it is http(s)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit


def workflow_url(ui_url: str, namespace: str, workflow_id: str) -> str | None:
    """The Web UI page of a workflow, or None when TEMPORAL_UI_URL is not set. IDs are encoded
    whole (`/` too): older Web UIs did not open ids with slashes otherwise."""
    base = ui_url.strip().rstrip("/")
    if not base or not http_url(base):
        return None
    return f"{base}/namespaces/{quote(namespace, safe='')}/workflows/{quote(workflow_id, safe='')}"


def issue_url(git_base: str, repo: str, number: int) -> str | None:
    """The issue's page on the GitHub host runs use (None for a non-web host, e.g. file://)."""
    if not http_url(git_base) or repo.count("/") != 1:
        return None
    owner, name = repo.split("/")
    return f"{git_base.rstrip('/')}/{quote(owner, safe='')}/{quote(name, safe='')}/issues/{number}"


def http_url(value: object) -> str | None:
    """`value` when it is an absolute http(s) URL, else None: a payload may carry
    `javascript:` or `data:` URLs, which an href must never get."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value.strip()

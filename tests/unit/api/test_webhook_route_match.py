"""Which requests the raw webhook route takes (the rest is FastAPI's, redirects included)."""

from __future__ import annotations

import pytest

from api.webhook_route import WebhookPath, headers_of, json_body, match


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/api/webhooks/github", "", WebhookPath()),
        ("/", "", WebhookPath()),
        ("/webhook/octo/repo", "", WebhookPath(repo="octo/repo")),
        ("/webhook/repo", "", WebhookPath(name="repo")),
        ("/hookflow/api/webhooks/github", "/hookflow", WebhookPath()),
        ("/hookflow/webhook/o/r", "/hookflow", WebhookPath(repo="o/r")),
        ("/api/webhooks/github/", "", None),  # FastAPI redirects it
        ("/webhook/", "", None),
        ("/webhook//r", "", None),
        ("/webhook/a/b/c", "", None),
        ("/api/runs", "", None),
        ("/api/webhooks/githubx", "", None),
    ],
)
def test_match_takes_only_the_webhook_paths(
    path: str, root_path: str, expected: WebhookPath | None
) -> None:
    assert match({"path": path, "root_path": root_path}) == expected


def test_headers_first_of_repeated_names_lowercase() -> None:
    scope = {"headers": [(b"X-GitHub-Event", b"push"), (b"x-github-event", b"issues")]}
    assert headers_of(scope) == {"x-github-event": "push"}


def test_json_body_is_what_fastapi_renders() -> None:
    from fastapi.responses import JSONResponse

    content = {"status": "ignored", "reason": "ünïcode ✓", "n": [1, 2.5, None]}
    assert json_body(content) == JSONResponse(content).body

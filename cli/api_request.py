"""Call the hookflow HTTP API with API_TOKEN and print its JSON answer (CLI commands)."""

from __future__ import annotations

import json
from typing import Any, TextIO

import httpx

from settings import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


async def post_to_api(
    settings: Settings,
    *,
    api_url: str | None,
    path: str,
    body: dict[str, Any] | None,
    what: str,
    http: httpx.AsyncClient | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Send the POST; print the API's JSON answer; exit 0 on 2xx."""
    return await call_api(
        settings,
        method="POST",
        api_url=api_url,
        path=path,
        body=body,
        what=what,
        http=http,
        out=out,
        err=err,
    )


async def call_api(
    settings: Settings,
    *,
    method: str,
    api_url: str | None,
    path: str,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    what: str,
    http: httpx.AsyncClient | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Send the request; print the API's JSON answer; exit 0 on 2xx."""
    token = settings.api_token_value()
    if not token:
        print(f"error: API_TOKEN is not set (the {what} API needs the bearer token)", file=err)
        return EXIT_USAGE
    base = api_url or f"http://127.0.0.1:{settings.webhook_port}"
    own = http is None
    client = http or httpx.AsyncClient(base_url=base, timeout=30)
    try:
        response = await client.request(
            method,
            path,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            params={k: v for k, v in (params or {}).items() if v is not None} or None,
        )
    except httpx.HTTPError as exc:
        print(f"error: cannot reach the hookflow API at {base}: {exc}", file=err)
        return EXIT_FAILED
    finally:
        if own:
            await client.aclose()
    try:
        answer: Any = response.json()
    except ValueError:
        answer = {"body": response.text}
    print(json.dumps(answer, indent=2), file=out if response.is_success else err)
    return EXIT_OK if response.is_success else EXIT_FAILED

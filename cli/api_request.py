"""Call the hookflow HTTP API with API_TOKEN and print its JSON answer (CLI commands)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

import httpx

from settings import Settings, load_settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class ApiRequest:
    """One call a CLI command makes to the hookflow HTTP API."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    params: dict[str, Any] | None = None  # None values are left out of the query string


class ApiCommand(Protocol):
    """A CLI command that makes one API call (its tests pass `http`, `out` and `err`)."""

    async def __call__(
        self,
        args: argparse.Namespace,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> int: ...


def api_command(
    what: str, request_for: Callable[[argparse.Namespace], ApiRequest | str]
) -> ApiCommand:
    """The command that sends the request `request_for` makes of its arguments (a string is
    why the arguments are unusable: exit 2) and prints the answer."""

    async def command(
        args: argparse.Namespace,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> int:
        request = request_for(args)
        if isinstance(request, str):
            print(f"error: {request}", file=err or sys.stderr)
            return EXIT_USAGE
        return await call_api(
            settings, request, api_url=args.api_url, what=what, http=http, out=out, err=err
        )

    return command


def add_api_command(parser: argparse.ArgumentParser, command: ApiCommand) -> None:
    """Give `parser` the --api-url option and run `command` with the environment's settings."""
    parser.add_argument(
        "--api-url",
        default=None,
        help="hookflow API base URL (default http://127.0.0.1:$WEBHOOK_PORT)",
    )
    parser.set_defaults(func=lambda args: asyncio.run(command(args, load_settings())))


async def call_api(
    settings: Settings,
    request: ApiRequest,
    *,
    api_url: str | None,
    what: str,
    http: httpx.AsyncClient | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Send the request; print the API's JSON answer (to `out` on 2xx, else `err`); exit 0 on
    2xx."""
    out, err = out or sys.stdout, err or sys.stderr
    token = settings.api_token_value()
    if not token:
        print(f"error: API_TOKEN is not set (the {what} API needs the bearer token)", file=err)
        return EXIT_USAGE
    base = api_url or f"http://127.0.0.1:{settings.webhook_port}"
    own = http is None
    client = http or httpx.AsyncClient(base_url=base, timeout=30)
    try:
        response = await client.request(
            request.method,
            request.path,
            json=request.body,
            headers={"Authorization": f"Bearer {token}"},
            params={k: v for k, v in (request.params or {}).items() if v is not None} or None,
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

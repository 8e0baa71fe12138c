"""Signing in to the console over HTTP, as its tests do: the CSRF field of a form, a session."""

from __future__ import annotations

import re

import httpx

from tests.support.webhooks import API_TOKEN


def form_token(html: str) -> str:
    """The CSRF token a console form carries."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has a CSRF field"
    return found.group(1)


async def signed_in(client: httpx.AsyncClient, token: str = API_TOKEN) -> httpx.Response:
    """Sign in through the form (the client keeps the session cookie)."""
    form = await client.get("/console/sign-in")
    return await client.post(
        "/console/sign-in", data={"token": token, "csrf": form_token(form.text)}
    )

"""The console over HTTP (the real app over ASGI, real PostgreSQL): sign-in and its cookie,
sessions that end, CSRF on every form, security headers, escaping, no secret on any page,
keyset paging, and refusals with a message."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import update

from api.console.auth import COOKIE
from api.main import create_app
from db.engine import SessionFactory
from db.models import ConsoleSession, Run, WebhookEvent
from settings import Settings
from tests.support.app import serve
from tests.support.console import form_token, signed_in
from tests.support.webhooks import API_TOKEN, SECRET

PAGES = [
    "/console/",
    "/console/deliveries",
    "/console/deliveries?status=failed&repo=a%2Fb",
    "/console/deliveries/retry-failed",
    "/console/runs",
    "/console/notifications",
    "/console/silences",
    "/console/silences/new",
    "/console/tasks",
]


# A fixed id: test ids are the same in every xdist process (a random one differs per process).
UNKNOWN_ID = uuid.UUID(int=0x5EED)


@pytest.mark.parametrize("path", PAGES)
async def test_pages_without_a_session_redirect_to_sign_in(
    api: httpx.AsyncClient, path: str
) -> None:
    answer = await api.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/sign-in?next=%2Fconsole%2F")


@pytest.mark.parametrize("path", PAGES)
async def test_pages_answer_signed_in_with_csp_and_no_secret(
    api: httpx.AsyncClient, path: str
) -> None:
    assert (await signed_in(api)).status_code == 303
    answer = await api.get(path)
    assert answer.status_code == 200, answer.text
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe" not in csp
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY"
    assert SECRET not in answer.text and API_TOKEN not in answer.text
    assert "<script" not in answer.text


async def test_sign_in_sets_a_strict_httponly_cookie_and_returns_to_the_page(
    api: httpx.AsyncClient,
) -> None:
    form = await api.get("/console/sign-in?next=%2Fconsole%2Fruns%3Fstatus%3DFAILED")
    answer = await api.post(
        "/console/sign-in",
        data={
            "token": API_TOKEN,
            "csrf": form_token(form.text),
            "next": "/console/runs?status=FAILED",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/runs?status=FAILED"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    attributes = {a.strip().split("=")[0].lower(): a for a in cookie.split(";")}
    assert {"httponly", "samesite", "path", "max-age"} <= set(attributes)
    assert attributes["samesite"].strip().lower() == "samesite=strict"
    assert attributes["path"].strip() == "Path=/console"
    assert attributes["max-age"].strip() == "Max-Age=43200"  # CONSOLE_SESSION_TTL 12h
    assert "secure" not in attributes  # plain HTTP here; see the HTTPS test


async def test_cookie_is_secure_behind_https(settings: Settings) -> None:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="https://hookflow") as client:
            answer = await signed_in(client)
    assert answer.status_code == 303
    assert all("Secure" in c for c in answer.headers.get_list("set-cookie"))


@pytest.mark.parametrize(
    "target", ["//evil.example/console/", "https://evil.example/", "/api/runs", "/console\\x"]
)
async def test_sign_in_never_redirects_off_the_console(api: httpx.AsyncClient, target: str) -> None:
    form = await api.get("/console/sign-in")
    answer = await api.post(
        "/console/sign-in", data={"token": API_TOKEN, "csrf": form_token(form.text), "next": target}
    )
    assert answer.headers["location"] == "/console/"


async def test_wrong_token_is_refused_without_echoing_it(api: httpx.AsyncClient) -> None:
    answer = await signed_in(api, token="not-the-token-0123")
    assert answer.status_code == 401
    assert "That token is not accepted." in answer.text and "not-the-token-0123" not in answer.text
    assert (await api.get("/console/")).status_code == 303


async def test_sign_in_form_without_its_csrf_token_is_refused(api: httpx.AsyncClient) -> None:
    form = await api.get("/console/sign-in")
    answer = await api.post("/console/sign-in", data={"token": API_TOKEN})
    assert answer.status_code == 403
    api.cookies.clear()  # the form's token without its cookie: a form posted from elsewhere
    forged = await api.post(
        "/console/sign-in", data={"token": API_TOKEN, "csrf": form_token(form.text)}
    )
    assert forged.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        f"/console/deliveries/{UNKNOWN_ID}/retry",
        f"/console/deliveries/{UNKNOWN_ID}/replay",
        "/console/deliveries/retry-failed",
        f"/console/runs/{UNKNOWN_ID}/signals/cancel",
        "/console/silences",
        "/console/silences/abc/expire",
        "/console/sign-out",
    ],
)
async def test_post_without_the_csrf_token_is_refused(api: httpx.AsyncClient, path: str) -> None:
    await signed_in(api)
    assert (await api.post(path, data={"status": "failed"})).status_code == 403
    assert (await api.post(path, data={"csrf": "0" * 64})).status_code == 403
    assert (await api.get("/console/")).status_code == 200  # still signed in: nothing happened


async def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(
    api: httpx.AsyncClient,
) -> None:
    await signed_in(api)
    copied = api.cookies.get(COOKIE)
    page = await api.get("/console/")
    out = await api.post("/console/sign-out", data={"csrf": form_token(page.text)})
    assert out.status_code == 303 and out.headers["location"].startswith("/console/sign-in")
    api.cookies.set(COOKIE, copied or "", path="/console")
    assert (await api.get("/console/")).status_code == 303


async def test_expired_session_redirects_to_sign_in(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    await signed_in(api)
    async with sessions() as session:
        await session.exec(
            update(ConsoleSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    assert (await api.get("/console/deliveries")).status_code == 303


async def test_console_token_replaces_the_api_token_when_set(
    settings: Settings,
) -> None:
    own = settings.model_copy(update={"console_token": SecretStr("console-only-token-42")})
    async for client in serve(create_app(own)):
        assert (await signed_in(client)).status_code == 401
        assert (await signed_in(client, "console-only-token-42")).status_code == 303


async def test_delivery_page_escapes_payload_and_never_shows_a_signature(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    row = WebhookEvent(
        event_type="issues",
        payload={"<b>key</b>": "<script>alert(1)</script>", "b": '"><svg onload=alert(2)>'},
        payload_raw=b"\x00<img src=x onerror=alert(3)>\xff",
        processed_at=datetime.now(UTC).replace(tzinfo=None),
        signature_valid=True,
        delivery_id="guid-<i>1</i>",
        dispatch_status="failed",
        error="<b>refused</b>",
    )
    async with sessions() as session:
        session.add(row)
        await session.commit()
    await signed_in(api)
    page = (await api.get(f"/console/deliveries/{row.id}")).text
    assert "<script>alert" not in page and "<svg onload" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;key&lt;/b&gt;" in page
    assert "&lt;b&gt;refused&lt;/b&gt;" in page and "guid-&lt;i&gt;1&lt;/i&gt;" in page
    assert "sha256=" not in page and "\x00" not in page
    raw = await api.get(f"/console/deliveries/{row.id}/raw")
    assert raw.content == row.payload_raw
    assert raw.headers["content-disposition"].startswith("attachment")
    listing = (await api.get("/console/deliveries?q=guid-")).text
    assert "guid-&lt;i&gt;1&lt;/i&gt;" in listing and "<i>1</i>" not in listing


async def test_keyset_pages_walk_every_delivery_once_newest_first(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    start = datetime(2026, 1, 1)
    ids = [uuid.uuid4() for _ in range(120)]
    async with sessions() as session:
        for i, event_id in enumerate(ids):
            session.add(
                WebhookEvent(
                    id=event_id,
                    event_type="push",
                    payload={},
                    signature_valid=True,
                    # pairs share a timestamp: the id breaks the tie
                    processed_at=start + timedelta(seconds=i // 2),
                    delivery_id=f"d-{i:03d}",
                    repo="acme/paging",
                    dispatch_status="ignored",
                )
            )
        await session.commit()
    await signed_in(api)
    seen: list[str] = []
    link = "/console/deliveries?repo=acme%2Fpaging"
    pages = []
    while link:
        page = (await api.get(link)).text
        pages.append(link)
        seen += re.findall(r'class="mono" href="/console/deliveries/[^"]+">(d-\d+)<', page)
        older = re.search(r'href="(/console/deliveries\?[^"]+)" rel="next"', page)
        link = older.group(1).replace("&amp;", "&") if older else ""
    assert len(pages) == 3 and len(seen) == 120 and len(set(seen)) == 120
    times = [int(s[2:]) // 2 for s in seen]
    assert times == sorted(times, reverse=True)
    newer = re.search(r'href="(/console/deliveries\?[^"]+)" rel="prev"', page)
    assert newer is not None
    back = (await api.get(newer.group(1).replace("&amp;", "&"))).text
    middle = re.findall(r'class="mono" href="/console/deliveries/[^"]+">(d-\d+)<', back)
    assert middle == seen[50:100]


@pytest.mark.parametrize(
    "query, message",
    [
        ("since=yesterday", "since must be a duration (24h) or an ISO time"),
        ("until=soon", "until must be a duration (24h) or an ISO time"),
        ("status=lost", "status: one of"),
        ("repo=" + "x" * 301, "repo: at most 300 characters"),
    ],
)
async def test_malformed_filters_say_what_is_wrong(
    api: httpx.AsyncClient, query: str, message: str
) -> None:
    await signed_in(api)
    answer = await api.get(f"/console/deliveries?{query}")
    assert answer.status_code == 200 and message in answer.text


@pytest.mark.parametrize(
    "path",
    [
        "/console/deliveries?before=not-a-cursor",
        "/console/runs?status=SLEEPING",
        "/console/tasks?status=lost",
        "/console/silences?status=forever",
    ],
)
async def test_bad_links_answer_400_with_a_page(api: httpx.AsyncClient, path: str) -> None:
    await signed_in(api)
    answer = await api.get(path)
    assert answer.status_code == 400 and 'role="alert"' in answer.text


async def test_unknown_records_answer_404_pages(api: httpx.AsyncClient) -> None:
    await signed_in(api)
    for path in (f"/console/deliveries/{uuid.uuid4()}", f"/console/runs/{uuid.uuid4()}"):
        answer = await api.get(path)
        assert answer.status_code == 404 and "has that id" in answer.text


async def test_signal_refused_for_a_finished_run_says_why(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    run = Run(repo="acme/done", issue_number=1, workflow_id="ai-run-done", status="SUCCEEDED")
    async with sessions() as session:
        session.add(run)
        await session.commit()
    await signed_in(api)
    page = await api.get(f"/console/runs/{run.id}")
    assert "Cancel</button>" not in page.text  # no button for what the run cannot take
    answer = await api.post(
        f"/console/runs/{run.id}/signals/cancel", data={"csrf": form_token(page.text)}
    )
    assert answer.status_code == 409 and "run is finished (SUCCEEDED)" in answer.text


async def test_silence_created_from_the_form_is_listed_and_a_bad_matcher_refused(
    api: httpx.AsyncClient,
) -> None:
    await signed_in(api)
    page = await api.get("/console/silences")
    assert "This build serves no silences" not in page.text
    new = await api.get("/console/silences/new?matcher=repo%3D%22a%2Fb%22")
    assert "repo=&#34;a/b&#34;" in new.text  # pre-filled, escaped

    def form(**fields: str) -> dict[str, str]:
        return {"csrf": form_token(new.text), "duration": "2h", **fields}

    bad = await api.post("/console/silences", data=form(matchers="repo"))
    assert bad.status_code == 400 and "line 1: not a matcher" in bad.text
    no_reason = await api.post("/console/silences", data=form(matchers='repo="a/b"', comment=""))
    assert no_reason.status_code == 400 and "comment: say why" in no_reason.text
    created = await api.post(
        "/console/silences",
        data=form(matchers='repo="a/b"', comment="flaky week"),
        follow_redirects=True,
    )
    assert created.status_code == 200, created.text
    listed = await api.get("/console/silences")
    assert "repo=&#34;a/b&#34;" in listed.text and "No active silence" not in listed.text


async def test_oversized_form_is_refused_before_it_is_read(api: httpx.AsyncClient) -> None:
    answer = await api.post("/console/sign-in", data={"token": "x" * 300_000})
    assert answer.status_code == 413
    assert "default-src 'none'" in answer.headers["content-security-policy"]

    async def chunks():  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"token=" + b"x" * 10_000

    streamed = await api.post(
        "/console/sign-in",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413

"""Signed but hostile deliveries and query strings: recorded, answered 2xx or 4xx, never 5xx."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import select

from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from delivery.decode import MAX_DEPTH, MAX_PARSE_DEPTH
from delivery.row import dedupe_key
from tests.support.files import load_fixture
from tests.support.webhooks import auth, signed_headers

AI_RUN = "events/issues_labeled_ai_run.json"
WF_FAILURE = "events/workflow_run.failure.json"


async def post(
    api: httpx.AsyncClient,
    event: str,
    body: bytes,
    *,
    delivery: str | None = None,
    hook_id: str = "1001",
    path: str = "/api/webhooks/github",
) -> httpx.Response:
    headers = signed_headers(body, event, delivery=delivery, hook_id=hook_id)
    return await api.post(path, content=body, headers=headers)


async def rows(sessions: SessionFactory) -> list[WebhookEvent]:
    async with sessions() as session:
        return list((await session.exec(select(WebhookEvent))).all())


async def only_row(sessions: SessionFactory) -> WebhookEvent:
    [row] = await rows(sessions)
    return row


def dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode()


async def test_per_repo_path_with_null_repository_is_400_and_recorded(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    response = await post(api, "push", b'{"repository":null}', path="/webhook/octo-org/per-repo")
    assert response.status_code == 400
    assert "does not match the path" in response.json()["reason"]
    row = await only_row(sessions)
    assert row.signature_valid and row.payload == {"repository": None}


@pytest.mark.parametrize(
    "event, key", [("workflow_run", "workflow_run"), ("check_suite", "check_suite")]
)
async def test_ci_event_with_numeric_head_branch_is_recorded_and_ignored(
    api: httpx.AsyncClient, sessions: SessionFactory, event: str, key: str
) -> None:
    body = dumps(
        {"action": "completed", "repository": {"full_name": "o/r"}, key: {"head_branch": 1}}
    )
    response = await post(api, event, body)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert (await only_row(sessions)).dispatch_status == "ignored"


@pytest.mark.parametrize("attempt", [b'"x"', b"[1]", b"1e999", b"true", b"-5"])
async def test_workflow_run_with_bad_run_attempt_is_accepted(
    api: httpx.AsyncClient, sessions: SessionFactory, attempt: bytes
) -> None:
    payload = load_fixture(WF_FAILURE)
    payload["workflow_run"]["run_attempt"] = "__ATTEMPT__"
    body = dumps(payload).replace(b'"__ATTEMPT__"', attempt)
    response = await post(api, "workflow_run", body)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    row = await only_row(sessions)
    ci = [a for a in row.dispatch_plan if a["workflow"] == "CIFailureWorkflow"]
    assert ci and ci[0]["signal_arg"]["attempt"] == 1
    # 1e999 is not storable as JSONB (it parses to infinity): the body is kept as sent.
    assert (row.payload_raw == body) == (attempt == b"1e999")


async def test_lone_surrogate_in_action_and_workflow_name_is_recorded(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    first = await post(api, "issues", b'{"action":"\\ud800","repository":{"full_name":"o/r"}}')
    assert first.status_code == 200 and first.json()["status"] == "ignored"
    payload = load_fixture(WF_FAILURE)
    payload["workflow_run"]["name"] = "CI \ud800 tests"
    body = json.dumps(payload).encode()  # ensure_ascii writes the surrogate as \ud800
    second = await post(api, "workflow_run", body)
    assert second.status_code == 200 and second.json()["status"] == "accepted"
    stored = [r for r in await rows(sessions) if r.event_type == "workflow_run"][0]
    assert stored.payload_raw == body
    assert stored.payload["workflow_run"]["name"] == "CI \ufffd tests"
    assert all(len(w) <= 200 for w in stored.workflow_ids)


def nested_objects(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


async def test_deeply_nested_bodies_are_refused_past_the_parse_limit_and_recorded_raw(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    # Valid JSON, but deeper than the parser goes: 400 whatever the depth of the call stack
    # (about 950 levels used to parse or not by call site), and the raw body kept.
    too_deep = [b"[" * 1000 + b"]" * 1000, nested_objects(950), nested_objects(MAX_PARSE_DEPTH + 1)]
    for body in too_deep:
        response = await post(api, "ping", body)
        assert response.status_code == 400, response.text
        assert response.json()["reason"] == (
            f"malformed JSON: JSON nested deeper than {MAX_PARSE_DEPTH} levels"
        )
    deepest = nested_objects(MAX_PARSE_DEPTH)
    accepted = await post(api, "ping", deepest)
    assert accepted.status_code == 200, accepted.text
    stored = {bytes(r.payload_raw or b""): r for r in await rows(sessions)}
    assert set(stored) == {*too_deep, deepest}
    for body in too_deep:
        row = stored[body]
        assert row.signature_valid and row.http_status == 400 and row.payload == {}
        assert row.dispatch_status == "rejected"
    row = stored[deepest]
    assert row.signature_valid and row.http_status == 200
    node: Any = row.payload  # stored as far as JSONB goes: cut to null at MAX_DEPTH
    for _ in range(MAX_DEPTH):
        node = node["a"]
    assert node is None


async def test_ping_with_long_hook_id_twice_is_one_row_and_long_ids_never_merge(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    hook = "h" * 300
    body = dumps({"zen": "Keep it logically awesome.", "hook_id": 1})
    first = await post(api, "ping", body, delivery="d" * 250 + "1", hook_id=hook)
    again = await post(api, "ping", body, delivery="d" * 250 + "1", hook_id=hook)
    other = await post(api, "ping", body, delivery="d" * 250 + "2", hook_id=hook)
    assert [r.status_code for r in (first, again, other)] == [200, 200, 200]
    assert again.json() == first.json()
    stored = await rows(sessions)
    assert len(stored) == 2
    assert {r.dedupe_key for r in stored} == {
        dedupe_key(hook, "d" * 250 + "1"),
        dedupe_key(hook, "d" * 250 + "2"),
    }
    assert all(r.delivery_id and len(r.delivery_id) <= 100 for r in stored)
    assert len({r.delivery_id for r in stored}) == 2


@pytest.mark.parametrize(
    "body, status",
    [
        (b'{"zen":"\\u0000"}', 200),
        (b'{"zen":"x","n":NaN}', 200),
        (b'{"zen":"x","n":Infinity}', 200),
        (b'{"zen":"x","n":-Infinity}', 200),
        (b'{"zen":"x","n":1e999}', 200),
        (b'{"zen":"x","n":-1e999}', 200),
        (b'{"zen":"\x00"}', 400),  # a raw NUL inside a string is not JSON
        (b"\x00", 400),
        (b"\xff\xfe\x00", 400),
    ],
)
async def test_unstorable_json_is_recorded_raw_not_503(
    api: httpx.AsyncClient, sessions: SessionFactory, body: bytes, status: int
) -> None:
    response = await post(api, "ping", body)
    assert response.status_code == status, response.text
    row = await only_row(sessions)
    assert row.signature_valid and row.payload_raw == body
    # A redelivery of a stored one is answered from the first, not refused forever.
    if status == 200:
        delivery = row.delivery_id
        assert (await post(api, "ping", body, delivery=delivery)).json() == response.json()


@pytest.mark.parametrize(
    "change",
    [
        {"issue": {"number": 2147483648, "title": "t"}},
        {"issue": {"number": True, "title": "t"}},
        {"issue": {"number": 1.5, "title": "t"}},
        {"repository": {"full_name": "o/" + "r" * 250}},
        {"repository": {"full_name": ["o/r"]}},
    ],
)
async def test_ai_run_with_unusable_number_or_repository_is_ignored(
    api: httpx.AsyncClient, sessions: SessionFactory, change: dict[str, Any]
) -> None:
    payload = {**load_fixture(AI_RUN), **change}
    response = await post(api, "issues", dumps(payload))
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert "issue.number" in response.json()["reason"]
    assert (await only_row(sessions)).dispatch_status == "ignored"


async def test_ai_run_with_object_clone_url_and_huge_title_is_accepted_bounded(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    payload = copy.deepcopy(load_fixture(AI_RUN))
    payload["repository"]["clone_url"] = {}
    payload["issue"]["title"] = "T" * 3_000_000
    payload["issue"]["body"] = "B" * 3_000_000
    response = await post(api, "issues", dumps(payload))
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    async with sessions() as session:
        [run] = (await session.exec(select(Run))).all()
    assert run.clone_url is None
    assert len(run.title) <= 1024 and run.body is not None and len(run.body) <= 65_536
    [action] = (await only_row(sessions)).dispatch_plan
    assert len(json.dumps(action)) < 100_000


@pytest.mark.parametrize(
    "path",
    [
        "/api/runs?offset=9223372036854775808",
        "/api/runs?offset=-1",
        "/api/runs?limit=9223372036854775808",
        "/api/runs?status=%00",
        "/api/runs?repo=%00",
        "/api/runs?repo=" + "r" * 5000,
        "/api/notifications?type=%00",
        "/api/notifications?priority=a%00b",
        "/api/notifications?repo=%00",
        "/api/notifications?delivery_id=%00",
        "/api/notifications?offset=9223372036854775808",
        "/api/notifications?offset=99999999999999999999999",
        "/api/runs/not-a-uuid",
    ],
)
async def test_read_with_hostile_query_is_4xx(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path, headers=auth())
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)


async def test_read_with_largest_offset_is_empty_not_an_error(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/runs?offset=9223372036854775807", headers=auth())
    assert response.status_code == 200 and response.json()["data"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"repo": "o/r", "issueNumber": 2147483648},
        {"repo": "o/r", "issueNumber": 0},
        {"repo": "o/r", "issueNumber": True},
        {"repo": "o/" + "r" * 300, "issueNumber": 1},
        {"repo": "o/r\u0000", "issueNumber": 1},
    ],
)
async def test_start_run_with_out_of_range_input_is_422_and_makes_no_run(
    api: httpx.AsyncClient, sessions: SessionFactory, body: dict[str, Any]
) -> None:
    response = await api.post("/api/runs", json=body, headers=auth())
    assert response.status_code == 422, response.text
    async with sessions() as session:
        assert (await session.exec(select(Run))).all() == []


async def test_unique_delivery_ids_of_any_shape_each_get_a_row(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    body = dumps({"zen": "z", "hook_id": 1})
    ids = ["a-b:c", "a:b-c", "x" * 1000, "x" * 999 + "y", str(uuid.uuid4()), "with space\tand tab"]
    for delivery in ids:
        assert (await post(api, "ping", body, delivery=delivery)).status_code == 200
    assert len(await rows(sessions)) == len(ids)

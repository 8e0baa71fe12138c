"""The console's pure parts, table-driven: links, filters and cursors, payload and raw views,
charts, notification status and silence matchers, run timelines, tokens and signals."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.console.links import http_url, issue_url, workflow_url
from api.console.listing import read_filter
from api.console.silences import parse_matchers
from api.console.views.charts import bars, per_minute
from api.console.views.notifications import (
    Receiver,
    labels,
    matcher,
    overall_status,
    receivers,
    silence_matchers,
)
from api.console.views.payload import TREE_MAX_NODES, payload_view, raw_view
from api.console.views.runs import offered_signals, phase_artifacts, timeline, token_usage
from db.models import Run, RunArtifact
from queries.keyset import Cursor


@pytest.mark.parametrize(
    "workflow_id, tail",
    [
        ("ai-run-acme-api-42-1a2b", "ai-run-acme-api-42-1a2b"),
        ("notify/with slash?&#", "notify%2Fwith%20slash%3F%26%23"),
    ],
)
def test_workflow_url_encodes_the_whole_id(workflow_id: str, tail: str) -> None:
    url = workflow_url("http://ui:8233/", "ns/x", workflow_id)
    assert url == f"http://ui:8233/namespaces/ns%2Fx/workflows/{tail}"


@pytest.mark.parametrize("ui", ["", "  ", "javascript:alert(1)", "file:///etc"])
def test_no_workflow_link_without_a_web_ui_url(ui: str) -> None:
    assert workflow_url(ui, "default", "w") is None


@pytest.mark.parametrize(
    "value, kept",
    [
        ("https://github.com/a/b/pull/1", True),
        ("http://ghe.local/a", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>x</script>", False),
        ("//evil.example/x", False),
        ("/relative", False),
        (None, False),
        (42, False),
        ("https://" + "a" * 3000, False),
    ],
)
def test_http_url_keeps_only_absolute_http_links(value: object, kept: bool) -> None:
    assert (http_url(value) is not None) is kept


def test_issue_url_only_on_a_web_host() -> None:
    assert issue_url("https://github.com", "acme/api", 7) == "https://github.com/acme/api/issues/7"
    assert issue_url("file:///tmp/remotes", "acme/api", 7) is None
    assert issue_url("https://github.com", "not-a-repo", 7) is None


def test_read_filter_keeps_good_fields_and_names_bad_ones() -> None:
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    found = read_filter(
        {"q": " 72d3 ", "repo": "acme/api", "status": "lost", "since": "2h", "until": "nope"}, now
    )
    assert found.where.delivery_id == "72d3" and found.where.repo == "acme/api"
    assert found.where.status is None and found.where.until is None
    assert found.where.since == datetime(2026, 1, 2, 10, 0)
    assert any(e.startswith("status: one of") for e in found.errors)
    assert any(e.startswith("until must be") for e in found.errors)
    assert found.params(before="c") == "q=72d3&repo=acme%2Fapi&since=2h&before=c"
    assert found.params(repo="") == "q=72d3&since=2h"


def test_read_filter_refuses_nul_and_overlong_text() -> None:
    found = read_filter({"event": "a\x00b", "action": "x" * 301})
    assert found.where.event is None and found.where.action is None
    assert len(found.errors) == 2


@pytest.mark.parametrize(
    "at", [datetime(2026, 1, 2, 3, 4, 5, 6), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)]
)
def test_cursor_round_trips(at: datetime) -> None:
    cursor = Cursor(at, uuid.uuid4())
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "text", ["", "x", "2026-01-01_not-a-uuid", f"yesterday_{uuid.UUID(int=7)}"]
)
def test_cursor_refuses_edited_links(text: str) -> None:
    with pytest.raises(ValueError):
        Cursor.decode(text)


def test_payload_view_draws_small_payloads_as_a_tree_and_cuts_big_ones() -> None:
    small = payload_view({"a": [1, 2, {"b": None}]})
    assert small.tree == {"a": [1, 2, {"b": None}]} and not small.text_cut
    wide = payload_view({"items": list(range(TREE_MAX_NODES + 1))})
    assert wide.tree is None
    deep: dict[str, object] = {}
    cursor = deep
    for _ in range(64):
        cursor["x"] = {}
        cursor = cursor["x"]  # type: ignore[assignment]
    assert payload_view(deep).tree == deep  # deep but small: still a tree
    huge = payload_view({"s": "x" * 600_000})
    assert huge.text_cut and len(huge.text) == 512 * 1024 and huge.chars > 600_000


def test_raw_view_shows_text_and_hex_without_control_characters() -> None:
    view = raw_view(b"\x00{not json\xff" + b"a" * 5000)
    assert view.text.startswith("\ufffd{not json\ufffd") and "\x00" not in view.text
    assert view.hex[0].offset == "00000000"
    assert view.hex[0].hex.startswith("00 7b 6e 6f 74")
    assert view.hex[0].ascii.startswith(".{not json.")
    assert view.hex_cut and len(view.hex) == 4096 // 16 and not view.text_cut


def test_per_minute_stacks_outcomes_and_drops_what_is_outside_the_hour() -> None:
    end = datetime(2026, 1, 1, 12, 30, 40)
    counts = [
        (datetime(2026, 1, 1, 12, 30), "dispatched", 4),
        (datetime(2026, 1, 1, 12, 30), "failed", 2),
        (datetime(2026, 1, 1, 12, 0), "ignored", 1),
        (datetime(2026, 1, 1, 11, 31), "rejected", 3),
        (datetime(2026, 1, 1, 11, 30), "dispatched", 99),  # 61 minutes back
    ]
    chart = per_minute(counts, end)
    assert chart.peak == 6 and chart.total == 10
    assert chart.totals == {"started": 4, "ignored": 1, "pending": 0, "failed": 2, "rejected": 3}
    last = [r for r in chart.rects if r.title.startswith("12:30")]
    assert [r.kind for r in last] == ["started", "failed"]
    assert last[0].height + last[1].height == pytest.approx(160.0)
    assert last[1].y == pytest.approx(0.0) and last[0].x == last[1].x > 900


def test_bars_are_ordered_and_scaled_to_the_largest() -> None:
    found = bars({"FAILED": 1, "RUNNING": 4, "ODD": 2}, ["RUNNING", "FAILED"])
    assert [(b.label, b.width) for b in found] == [("RUNNING", 100), ("FAILED", 25), ("ODD", 50)]
    assert bars({}) == []


@pytest.mark.parametrize(
    "sinks, status",
    [
        ({"logfile": {"status": "sent"}, "chat": {"status": "sent"}}, "sent"),
        ({"logfile": {"status": "sent"}, "chat": {"status": "failed", "error": "404"}}, "failed"),
        ({"logfile": {"status": "sent"}, "aimaestro": {"status": "retrying"}}, "retrying"),
        ({"logfile": {"status": "silenced"}}, "silenced"),
        ({"logfile": {}}, "pending"),
        ({}, "recorded"),
        ("not a dict", "recorded"),
    ],
)
def test_overall_status_is_the_most_telling(sinks: object, status: str) -> None:
    assert overall_status(receivers(sinks)) == status


def test_receivers_keep_their_error() -> None:
    found = receivers({"chat": {"status": "failed", "error": "HTTP 404"}, "logfile": "junk"})
    assert found == [Receiver("chat", "failed", "HTTP 404"), Receiver("logfile", "pending", None)]


def test_labels_and_silence_matchers_from_a_notification() -> None:
    found = labels(
        {"branch": 'ma"in\\', "workflow": "CI", "sender": "", "action": ["x"], "extra": "no"},
        type_="ci_failure",
        priority="high",
        repo="acme/api",
        event="workflow_run",
    )
    assert found == {
        "type": "ci_failure",
        "priority": "high",
        "repo": "acme/api",
        "branch": 'ma"in\\',
        "workflow": "CI",
        "event": "workflow_run",
    }
    assert silence_matchers(found)[3] == 'branch="ma\\"in\\\\"'
    assert parse_matchers("\n".join(silence_matchers(found))) == silence_matchers(found)


@pytest.mark.parametrize(
    "text, parsed",
    [
        ('repo="acme/api"', ['repo="acme/api"']),
        ("repo=acme/api\n\n type =~ ci_.* ", ['repo="acme/api"', 'type=~"ci_.*"']),
        ('priority!="low"', ['priority!="low"']),
        ('branch!~"feature/.*"', ['branch!~"feature/.*"']),
    ],
)
def test_parse_matchers(text: str, parsed: list[str]) -> None:
    assert parse_matchers(text) == parsed


@pytest.mark.parametrize("text", ["", "   \n", "repo", "=x", "repo=", "9x=1"])
def test_parse_matchers_refuses_what_is_not_a_matcher(text: str) -> None:
    with pytest.raises(ValueError):
        parse_matchers(text)


def test_matcher_escapes_quotes_and_newlines() -> None:
    assert matcher("summary", 'a "b"\nc') == 'summary="a \\"b\\"\\nc"'


def artifact(name: str, at: datetime, content: str = "x", kind: str = "text") -> RunArtifact:
    return RunArtifact(run_id=uuid.uuid4(), name=name, kind=kind, content=content, created_at=at)


def test_timeline_orders_status_changes_and_phases() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    run = Run(
        repo="a/b",
        issue_number=1,
        workflow_id="w",
        status="FAILED",
        error="phase test failed",
        created_at=t0,
        started_at=t0 + timedelta(seconds=1),
        finished_at=t0 + timedelta(minutes=9),
    )
    items = [
        artifact("plan", t0 + timedelta(minutes=2)),
        artifact("patch", t0 + timedelta(minutes=3)),
        artifact("log-plan", t0 + timedelta(minutes=3)),
        artifact("implement-iteration-2", t0 + timedelta(minutes=5)),
    ]
    phased = phase_artifacts(items, ["plan", "implement"])
    assert [(p.phase, p.iteration) for p in phased] == [("plan", 1), ("implement", 2)]
    moments = timeline(run, phased)
    assert [m.label for m in moments] == [
        "RECEIVED",
        "RUNNING",
        "phase plan",
        "phase implement",
        "FAILED",
    ]
    assert moments[3].detail == "iteration 2" and moments[-1].detail == "phase test failed"


def test_token_usage_sums_the_llm_backends_artifacts_only() -> None:
    now = datetime.now(UTC)
    wrapped = json.dumps(
        {"answer": {}, "model": "m1", "usage": {"prompt_tokens": 10, "total_tokens": 12}}
    )
    items = [
        artifact("plan", now, wrapped, "json"),
        artifact("implement", now, wrapped, "json"),
        artifact("notes", now, '{"usage": {"total_tokens": 999}}', "json"),  # not the wrapper
        artifact("patch", now, "diff", "patch"),
        artifact("bad", now, "{not json", "json"),
    ]
    usage = token_usage(items)
    assert usage is not None and usage.phases == 2 and usage.models == ["m1"]
    assert usage.totals == {"prompt_tokens": 20, "total_tokens": 24}
    assert token_usage(items[2:]) is None


@pytest.mark.parametrize(
    "status, offered",
    [
        ("RECEIVED", ["cancel"]),
        ("RUNNING", ["cancel"]),
        ("WAITING_APPROVAL", ["approve", "cancel"]),
        ("WAITING_CI", ["cancel"]),
        ("FAILED", ["retry"]),
        ("SUCCEEDED", []),
        ("CANCELLED", []),
    ],
)
def test_offered_signals_follow_the_runs_status(status: str, offered: list[str]) -> None:
    assert offered_signals(status) == offered

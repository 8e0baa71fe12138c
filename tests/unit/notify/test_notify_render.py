"""Templates: the shipped ones give the texts hookflow always sent; a receiver's `template:` or
NOTIFY_TEMPLATES_DIR overrides them; an override that fails is logged and the shipped one used."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from activities.ci_failed_jobs import FailedJob
from activities.ci_failure_bodies import failure_issue_body, failure_issue_title
from notify.aimaestro import build_message
from notify.chat import build_chat_body
from notify.render import Renderer, template_error
from routing.notifications import classify
from tests.support.ci_events import ci_run_event
from tests.support.files import FIXTURES as FIXTURE_DIR

FIXTURES = FIXTURE_DIR / "events"


def failure() -> dict[str, object]:
    payload = json.loads((FIXTURES / "workflow_run.failure.json").read_text())
    n = classify("workflow_run", payload, watched_branches=frozenset({"main"}))
    return n.notifications[0].to_dict()


def test_shipped_templates_give_the_texts_hookflow_always_sent() -> None:
    n = failure()
    message = build_message(n, sender="hookflow", recipient="orchestrator")
    assert message["subject"] == f"[ci_failure] {n['title']}"
    assert message["content"]["message"] == n["summary"]
    assert build_chat_body(n, "json") == n


def test_receiver_template_overrides_one_part() -> None:
    n = failure()
    own = {"subject": "{{ n.priority | upper }} {{ n.repo }}", "body": "see {{ n.url }}"}
    message = build_message(n, sender="h", recipient="o", templates=own)
    assert message["subject"] == "HIGH acme/widgets"
    assert message["content"]["message"] == f"see {n['url']}"
    slack = build_chat_body(n, "slack", templates={"body": "{{ n.type }}!"})
    assert slack == {"text": "ci_failure!"}
    summary = build_chat_body(n, "json", templates={"summary": "{{ n.workflow }} broke"})
    assert summary["summary"] == "CI Tests broke" and summary["title"] == n["title"]


@pytest.mark.parametrize(
    "broken",
    [
        "{{ n.summary | nosuchfilter }}",  # not known when rendered in a sandbox
        "{{ n.summary.missing.deeper }}",  # undefined
        "{{ n.__class__.__mro__ }}",  # the sandbox refuses it
        "{{ 1 / 0 }}",
    ],
)
def test_failing_override_falls_back_to_the_shipped_template_and_is_logged(
    broken: str, caplog: pytest.LogCaptureFixture
) -> None:
    n = failure()
    with caplog.at_level(logging.WARNING, logger="hookflow.templates"):
        slack = build_chat_body(n, "slack", templates={"body": broken})
    assert slack == build_chat_body(n, "slack")
    [record] = [r for r in caplog.records if r.name == "hookflow.templates"]
    assert "slack/body.j2" in record.getMessage()
    assert "using the shipped one" in record.getMessage()


def test_templates_dir_overrides_and_falls_back_per_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "body.j2").write_text("dir: {{ n.title }}\n")
    (tmp_path / "aimaestro").mkdir()
    (tmp_path / "aimaestro" / "subject.j2").write_text("{% if %}")  # does not even parse
    renderer = Renderer(tmp_path)
    n = failure()
    assert build_chat_body(n, "slack", renderer=renderer) == {"text": f"dir: {n['title']}"}
    # The receiver's own template still wins over the directory.
    assert build_chat_body(n, "slack", renderer=renderer, templates={"body": "own"}) == {
        "text": "own"
    }
    with caplog.at_level(logging.WARNING, logger="hookflow.templates"):
        message = build_message(n, sender="h", recipient="o", renderer=renderer)
    assert message["subject"] == f"[ci_failure] {n['title']}"
    [record] = [r for r in caplog.records if r.name == "hookflow.templates"]
    assert "does not load" in record.getMessage()


def test_template_syntax_is_checked_before_use() -> None:
    assert template_error("{{ n.title }}") is None
    assert "bad template (line 1)" in (template_error("{{ n.title ") or "")
    assert "No filter named 'loud'" in (template_error("{{ n.title | loud }}") or "")


RUN = ci_run_event("acme/widgets", 1, attempt=2, head_sha="0123456789abcdef0123", actor="alice")


def test_ci_issue_title_and_body_come_from_templates_and_keep_the_marker(tmp_path: Path) -> None:
    jobs = [FailedJob("test", "https://x/1", ["pytest"], "E boom")]
    shipped = failure_issue_body(RUN, failed_jobs=jobs, marker="<!-- m -->")
    assert shipped.startswith("<!-- m -->\n## `CI` is failing on `main`\n")
    assert "### Failed jobs (1)" in shipped and "_Opened by hookflow." in shipped
    (tmp_path / "ci_issue").mkdir()
    (tmp_path / "ci_issue" / "subject.j2").write_text("[{{ run.repo }}] {{ run.workflow }} red")
    (tmp_path / "ci_issue" / "body.j2").write_text("Broken by {{ run.actor }} ({{ failed_jobs }})")
    renderer = Renderer(tmp_path)
    title = failure_issue_title("CI", "main", run=RUN, renderer=renderer)
    assert title == "[acme/widgets] CI red"
    body = failure_issue_body(RUN, failed_jobs=jobs, marker="<!-- m -->", renderer=renderer)
    assert body.startswith("<!-- m -->\nBroken by alice (1)\n")
    assert "E boom" in body and body.rstrip().endswith("reported here too._")
    huge = tmp_path / "big"
    (huge / "ci_issue").mkdir(parents=True)
    (huge / "ci_issue" / "body.j2").write_text("{{ 'x' * 100000 }}")
    body = failure_issue_body(RUN, failed_jobs=jobs, marker="<!-- m -->", renderer=Renderer(huge))
    assert len(body) <= 65_536 and "E boom" in body

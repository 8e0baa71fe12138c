"""NOTIFY_CONFIG: `hookflow notify check-config` reports every error with its path; the
environment-only settings are the same one-receiver config; a reload keeps the last good file;
`repositories:` overrides reach routing."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main as cli_main
from cli.notify import check_config
from notify.config import repository_overrides
from notify.config_file import read_config_file
from notify.decide import decide
from notify.env_config import configured, environment_config, route_defaults
from notify.live import LiveConfig
from notify.matchers import LABELS
from notify.problems import ConfigInvalid
from routing.config import routing_config
from routing.decision import Delivery
from routing.notify_route import route_notifications
from settings import Settings
from tests.support.files import ROOT, load_fixture
from tests.support.isolated_settings import isolated_settings
from worker import reload_on_sighup

EVERY_KIND_OF_ERROR = """
receivers:
  - name: orchestrator
    aimaestro: {{url: "http://maestro:23000"}}
  - name: api-team
    webhook: {{url_file: {missing}, format: slack}}
route:
  receiver: orchestrator
  group_interval: 5 minutes
  routes:
    - matchers: ['repo=~"acme/api(-.*)?"', 'priority~"high"']
      receiver: api-team
      mute_time_intervals: [nights]
    - matchers: ['branch=~"release/(.*"']
      receiver: web-team
time_intervals:
  - name: weekends
    time_intervals: [{{weekdays: [saturday, sunday]}}]
"""

VALID = """
receivers:
  - name: orchestrator
    aimaestro: {{url: "http://maestro:23000", from: hookflow, to: orchestrator}}
  - name: api-team
    webhook: {{url_file: {hook}, format: slack}}
  - name: logs
    logfile: {{}}
route:
  receiver: orchestrator
  group_by: [repo, branch, workflow]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['repo=~"acme/api(-.*)?"', 'priority="high"']
      receiver: api-team
      continue: true
      mute_time_intervals: [nights]
    - matchers: ['priority="low"']
      receiver: logs
time_intervals:
  - name: nights
    time_intervals:
      - times: [{{start_time: 22:00, end_time: "07:00"}}]
        weekdays: ["monday:friday"]
        location: Europe/Paris
repositories:
  acme/api: {{watched_branches: [main, release], priorities: {{"check_run.failure": high}}}}
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    return isolated_settings(monkeypatch, log_dir=tmp_path / "logs")


def write(tmp_path: Path, text: str, name: str = "notify.yaml", **values: Any) -> Path:
    hook = tmp_path / "hook"
    hook.write_text("https://hooks.example/services/T0/B0/secret\n")
    path = tmp_path / name
    path.write_text(text.format(hook=hook, **values))
    return path


def test_check_config_reports_one_error_of_each_kind_with_its_path(
    tmp_path: Path, env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, EVERY_KIND_OF_ERROR, missing=tmp_path / "nope" / "hook")
    code = cli_main(["notify", "check-config", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0] == f"{path}: 6 error(s)"
    errors = sorted(line.strip() for line in lines[1:])
    expected = {
        "receivers[1].webhook.url_file": "cannot read",  # unreadable url_file
        "route.group_interval": "not a duration",  # bad duration
        "route.routes[0].matchers[1]": "bad matcher",  # bad matcher
        "route.routes[0].mute_time_intervals[0]": "unknown time interval 'nights'",
        "route.routes[1].matchers[0]": "bad regex",  # bad regex
        "route.routes[1].receiver": "unknown receiver 'web-team'",  # unknown receiver
    }
    assert [e.split(": ", 1)[0] for e in errors] == sorted(expected)
    for error in errors:
        where, message = error.split(": ", 1)
        assert expected[where] in message, error


def test_check_config_of_a_valid_file_exits_zero(tmp_path: Path, env: Settings) -> None:
    out = io.StringIO()
    assert check_config(write(tmp_path, VALID), env, out) == 0
    assert "OK — 3 receiver(s), 3 route(s), 1 time interval(s)" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("receivers: [", "line 1, column 13: not valid YAML"),
        ("- a\n- b\n", "must hold a mapping"),
        ("receivers: []\nroute: {receiver: x}\n", "receivers: needs a list"),
        (
            "receivers: [{name: a}]\nroute: {receiver: a, matchers: ['repo=\"x\"']}\n",
            "route.matchers: not allowed on the root route",
        ),
        ("receivers: [{name: a}]\nroute: {receiver: a, match: {repo: x}}\n", "use matchers:"),
        (
            "receivers: [{name: a, webhook: {format: teams, url: x}}]\nroute: {receiver: a}\n",
            "receivers[0].webhook.format: unknown format 'teams'",
        ),
        (
            "receivers: [{name: a, template: {body: '{{ n.summary '}}]\nroute: {receiver: a}\n",
            "receivers[0].template.body: bad template",
        ),
        (
            "receivers: [{name: a}]\nroute: {receiver: a}\n"
            "repositories: {acme/api: {priorities: {push: loud}}}\n",
            "repositories.acme/api.priorities.push: unknown priority 'loud'",
        ),
    ],
)
def test_config_mistakes_name_their_place(
    tmp_path: Path, env: Settings, text: str, message: str
) -> None:
    path = tmp_path / "n.yaml"
    path.write_text(text)
    with pytest.raises(ConfigInvalid) as info:
        read_config_file(path, route_defaults(env))
    assert any(message in p for p in info.value.problems), info.value.problems


def test_environment_only_settings_are_one_receiver_with_every_configured_sink(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = isolated_settings(
        monkeypatch,
        aimaestro_url="http://maestro:23000",
        notify_webhook_url="https://hooks.example/x",
        notify_webhook_format="slack",
        notify_group_wait="10s",
        notify_repeat_interval="2h",
    )
    config = configured(settings)
    assert config == environment_config(settings)
    labels = dict.fromkeys(LABELS, "") | {"repo": "acme/api", "type": "ci_failure"}
    plan = decide(config, labels, now=datetime.now(UTC))
    [receiver] = plan.receivers
    assert (receiver.receiver, receiver.status, receiver.sinks) == (
        "default",
        "pending",
        ["logfile", "aimaestro", "chat"],
    )
    assert plan.timing.group_wait_seconds == 10 and plan.timing.repeat_interval_seconds == 7200
    bare = environment_config(isolated_settings(monkeypatch))
    assert bare.receivers["default"].sinks == ["logfile"]


def test_root_route_inherits_the_environment_intervals(tmp_path: Path, env: Settings) -> None:
    path = tmp_path / "n.yaml"
    path.write_text("receivers: [{name: a, logfile: {}}]\nroute: {receiver: a}\n")
    config = read_config_file(path, route_defaults(env))
    plan = decide(config, dict.fromkeys(LABELS, ""), now=datetime.now(UTC))
    assert plan.timing.group_interval_seconds == env.notify_group_interval.total_seconds()
    assert plan.timing.repeat_interval_seconds == env.notify_repeat_interval.total_seconds()


def test_reload_takes_a_changed_file_and_refuses_a_broken_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, VALID)
    settings = isolated_settings(monkeypatch, notify_config=str(path))
    seen: list[str] = []
    live = LiveConfig(settings, check_every=0, on_change=lambda c: seen.append(c.digest))
    first = live.current()
    assert set(first.receivers) == {"orchestrator", "api-team", "logs"}

    path.write_text(
        path.read_text()
        .replace("name: logs", "name: archive")
        .replace("receiver: logs", "receiver: archive")
    )
    os.utime(path, ns=(1, 1))  # a new stamp even within the clock's resolution
    assert "archive" in live.current().receivers
    assert seen == [live.current().digest]

    good = live.current()
    path.write_text(path.read_text().replace("receiver: archive", "receiver: nobody"))
    os.utime(path, ns=(2, 2))
    with caplog.at_level(logging.ERROR, logger="hookflow.notify.config"):
        assert live.current() is good
    assert live.refused == 1 and len(seen) == 1
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "refused, keeping" in line and "unknown receiver 'nobody'" in line
    assert "secret" not in line  # the url_file's content never reaches a log


def test_a_broken_file_at_start_up_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "n.yaml"
    path.write_text("receivers: [{name: a}]\nroute: {receiver: b}\n")
    with pytest.raises(ConfigInvalid, match="unknown receiver 'b'"):
        LiveConfig(isolated_settings(monkeypatch, notify_config=str(path)))


def _push(repo: str, branch: str) -> Delivery:
    payload = load_fixture("events/push.main.json")
    payload["ref"] = f"refs/heads/{branch}"
    payload["repository"]["full_name"] = repo
    return Delivery("push", payload, "d-1", "h")


def test_repository_overrides_change_watched_branches_and_priorities(
    tmp_path: Path, env: Settings
) -> None:
    config = read_config_file(write(tmp_path, VALID), route_defaults(env))
    routing = routing_config(env, repository_overrides(config))
    assert route_notifications(_push("acme/api", "release"), routing, "k").handled
    assert not route_notifications(_push("acme/web", "release"), routing, "k").handled
    assert not route_notifications(_push("acme/api", "master"), routing, "k").handled
    assert route_notifications(_push("acme/web", "master"), routing, "k").handled
    assert routing.priorities_for("ACME/api") == {"check_run.failure": "high"}
    assert routing.priorities_for("acme/web") == {}


def test_env_only_setup_decides_the_same_for_every_type(env: Settings) -> None:
    config = environment_config(env)
    for kind in ("ci_failure", "ci_success", "pr_created", "task_blocked", "generic"):
        labels = dict.fromkeys(LABELS, "") | {"type": kind}
        plan = decide(config, labels, now=datetime.now(UTC) + timedelta(hours=3))
        assert [(r.receiver, r.status) for r in plan.receivers] == [("default", "pending")]


def test_the_readme_example_is_a_valid_config(tmp_path: Path, env: Settings) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Routing notifications") :]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    hook = tmp_path / "hook"
    hook.write_text("https://hooks.example/services/T0/B0/secret\n")
    example = example.replace("/run/secrets/api_team_hook", str(hook))
    example = example.replace("/run/secrets/web_team_hook", str(hook))
    path = tmp_path / "readme.yaml"
    path.write_text(example)
    config = read_config_file(path, route_defaults(env))
    assert set(config.receivers) == {"orchestrator", "api-team", "web-team", "logs"}
    labels = dict.fromkeys(LABELS, "") | {"repo": "acme/api-gateway", "priority": "high"}
    at_night = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # a Monday, 00:00 in Paris
    plan = decide(config, labels, now=at_night)
    assert [(r.receiver, r.status, r.interval) for r in plan.receivers] == [
        ("api-team", "muted", "nights")
    ]


async def test_sighup_makes_the_worker_read_the_file_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID)
    # A check interval no test outlasts: only the signal can make it read the file again.
    live = LiveConfig(isolated_settings(monkeypatch, notify_config=str(path)), check_every=3600)
    path.write_text(
        path.read_text()
        .replace("name: logs", "name: archive")
        .replace("receiver: logs", "receiver: archive")
    )
    assert "archive" not in live.current().receivers
    reload_on_sighup(live)
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if "archive" in live.current().receivers:
                break
        assert "archive" in live.current().receivers
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


def test_the_api_reads_the_file_without_the_workers_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID)
    (tmp_path / "hook").unlink()  # mounted in the worker only
    settings = isolated_settings(monkeypatch, notify_config=str(path))
    with pytest.raises(ConfigInvalid, match="url_file: cannot read"):
        LiveConfig(settings)
    api_side = LiveConfig(settings, check_files=False)
    assert "acme/api" in api_side.current().repositories

"""The routing tree, table-driven in Alertmanager's style (dispatch/route_test.go): one config,
and for each notification the receivers it reaches with the options they get."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notify.config import NotifyConfig
from notify.config_file import load_yaml
from notify.config_parse import parse_config
from notify.decide import decide
from notify.matchers import LABELS
from notify.silences import SilenceView, silence_matchers
from notify.tree import RouteOpts, match_routes, receivers_reached

DEFAULTS = RouteOpts(
    receiver="",
    group_by=("repo", "workflow", "branch"),
    group_wait=timedelta(0),
    group_interval=timedelta(minutes=5),
    repeat_interval=timedelta(hours=4),
)

TREE = """
receivers:
  - {name: orchestrator, aimaestro: {url: "http://maestro:23000"}}
  - {name: api-team, webhook: {url: "http://chat/api", format: slack}}
  - {name: api-oncall, webhook: {url: "http://chat/oncall"}}
  - {name: web-team, webhook: {url: "http://chat/web"}}
  - {name: logs, logfile: {}}
route:
  receiver: orchestrator
  group_interval: 10m
  routes:
    - matchers: ['repo=~"acme/api(-.*)?"']
      receiver: api-team
      continue: true
      group_wait: 30s
      routes:
        - matchers: ['priority="urgent"']
          receiver: api-oncall
          repeat_interval: 1h
        - matchers: ['branch!~"main|release/.*"']
          receiver: logs
    - matchers: ['repo="acme/web"', 'type!="ci_success"']
      receiver: web-team
      group_by: [repo]
    - matchers: ['priority="low"']
      receiver: logs
"""


@pytest.fixture(scope="module")
def config() -> NotifyConfig:
    return parse_config(load_yaml(TREE, "tree"), defaults=DEFAULTS, base_dir=Path("."), source="t")


def labels(**values: str) -> dict[str, str]:
    return {name: values.get(name, "") for name in LABELS}


# (labels, [(receiver, route path, group_wait, group_interval, repeat_interval, group_by)])
M, H = timedelta(minutes=1), timedelta(hours=1)
CASES = [
    pytest.param(
        labels(repo="acme/other", priority="high"),
        [("orchestrator", "route", timedelta(0), 10 * M, 4 * H, ("repo", "workflow", "branch"))],
        id="no-child-matches-root-receives",
    ),
    pytest.param(
        labels(repo="acme/api", priority="high", branch="main"),
        [("api-team", "route.routes[0]", 30 * timedelta(seconds=1), 10 * M, 4 * H, None)],
        id="a-matching-child-keeps-the-parent-out-even-with-continue",
    ),
    pytest.param(
        labels(repo="acme/api-gateway", priority="low", branch="main"),
        [
            ("api-team", "route.routes[0]", 30 * timedelta(seconds=1), 10 * M, 4 * H, None),
            ("logs", "route.routes[2]", timedelta(0), 10 * M, 4 * H, None),
        ],
        id="regex-is-anchored-and-continue-reaches-a-later-sibling",
    ),
    pytest.param(
        labels(repo="acme/api", priority="urgent", branch="main"),
        [("api-oncall", "route.routes[0].routes[0]", 30 * timedelta(seconds=1), 10 * M, H, None)],
        id="nested-route-inherits-wait-and-interval-overrides-repeat",
    ),
    pytest.param(
        labels(repo="acme/api", priority="high", branch="feature/x"),
        [("logs", "route.routes[0].routes[1]", 30 * timedelta(seconds=1), 10 * M, 4 * H, None)],
        id="negative-regex-matcher",
    ),
    pytest.param(
        labels(repo="acme/web", type="ci_failure", priority="high"),
        [("web-team", "route.routes[1]", timedelta(0), 10 * M, 4 * H, ("repo",))],
        id="all-matchers-must-match-group-by-overridden",
    ),
    pytest.param(
        labels(repo="acme/web", type="ci_success", priority="low"),
        [("logs", "route.routes[2]", timedelta(0), 10 * M, 4 * H, None)],
        id="not-equal-matcher-excludes-and-next-sibling-wins",
    ),
    pytest.param(
        labels(repo="acme/apis", priority="high"),
        [("orchestrator", "route", timedelta(0), 10 * M, 4 * H, None)],
        id="regex-does-not-match-a-longer-value",
    ),
]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_notification_reaches_receivers(
    config: NotifyConfig, given: dict[str, str], expected: list[tuple]
) -> None:
    reached = match_routes(config.route, given, config.defaults)
    got = [
        (r.opts.receiver, r.path, r.opts.group_wait, r.opts.group_interval, r.opts.repeat_interval)
        for r in reached
    ]
    assert got == [e[:5] for e in expected]
    for r, e in zip(reached, expected, strict=True):
        if e[5] is not None:
            assert r.opts.group_by == e[5]


def test_receiver_reached_twice_is_listed_once(config: NotifyConfig) -> None:
    reached = match_routes(
        config.route, labels(repo="acme/api", priority="low", branch="x"), config.defaults
    )
    assert [r.opts.receiver for r in reached] == ["logs", "logs"]
    assert receivers_reached(reached) == ["logs"]
    plan = decide(
        config, labels(repo="acme/api", priority="low", branch="x"), now=datetime.now(UTC)
    )
    assert [p.receiver for p in plan.receivers] == ["logs"]


def test_decide_gives_each_receiver_its_sinks_and_the_first_route_timing(
    config: NotifyConfig,
) -> None:
    plan = decide(config, labels(repo="acme/api", priority="low", branch="main"), now=NOW)
    assert [(p.receiver, p.status, p.sinks) for p in plan.receivers] == [
        ("api-team", "pending", ["chat"]),
        ("logs", "pending", ["logfile"]),
    ]
    assert plan.timing.group_wait_seconds == 30 and plan.timing.repeat_interval_seconds == 14400


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def silence(*matchers: str, hours: float = 2, sid: str = "s1") -> SilenceView:
    window = (NOW - timedelta(hours=1), NOW + timedelta(hours=hours))
    return SilenceView(*window, id=sid, matchers=silence_matchers(matchers))


def test_silence_mutes_every_receiver_of_matching_labels_only(config: NotifyConfig) -> None:
    quiet = [silence('repo="acme/api"', 'type="ci_failure"')]
    api = labels(repo="acme/api", type="ci_failure", priority="low", branch="main")
    plan = decide(config, api, silences=quiet, now=NOW)
    assert {(p.receiver, p.status, p.silence_id) for p in plan.receivers} == {
        ("api-team", "silenced", "s1"),
        ("logs", "silenced", "s1"),
    }
    web = decide(config, labels(repo="acme/web", type="ci_failure"), silences=quiet, now=NOW)
    assert [(p.receiver, p.status) for p in web.receivers] == [("web-team", "pending")]


def test_silence_that_ends_last_is_the_one_named(config: NotifyConfig) -> None:
    quiet = [
        silence('repo="acme/web"', sid="short", hours=1),
        silence('repo=~"acme/.*"', sid="long"),
    ]
    plan = decide(config, labels(repo="acme/web", type="ci_failure"), silences=quiet, now=NOW)
    assert plan.receivers[0].silence_id == "long"


def test_expired_and_pending_silences_do_not_silence(config: NotifyConfig) -> None:
    expired = silence('repo="acme/web"', hours=-0.5)
    pending = SilenceView(
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=2),
        id="p",
        matchers=silence_matchers(['repo="acme/web"']),
    )
    plan = decide(config, labels(repo="acme/web", type="x"), silences=[expired, pending], now=NOW)
    assert plan.receivers[0].status == "pending"

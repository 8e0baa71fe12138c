"""Routing is total: any JSON in any field routes without raising, to bounded, storable plans."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.decision import Delivery, RouteDecision, RoutingConfig
from routing.router import HANDLERS, route
from routing.workflow_ids import MAX_ID_LENGTH
from tests.support.files import EVENT_FIXTURES, FIXTURES

SAFE_ID = re.compile(r"[A-Za-z0-9._-]+")
EVENTS = sorted(HANDLERS) + ["ping", "check_suite", "installation", ""]
# Reasonable, never reached by a legitimate plan: Temporal refuses payloads over 2 MB.
PLAN_LIMIT = 1_000_000
CONFIGS = [
    RoutingConfig(),
    RoutingConfig(watched_branches=frozenset()),
    RoutingConfig(allowed_repos=frozenset({"acme/widgets"})),
]

# Any JSON value, including what JSON parsers hand over but stores refuse: NUL, lone
# surrogates, NaN/Infinity, integers beyond 64 bits, huge strings.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None), max_size=30)
    | st.sampled_from(
        [
            "\x00",
            "\ud800",
            "a" * 5000,
            "ai/issue-1-0123abcd",
            "completed",
            "labeled",
            "failure",
            "success",
            "refs/heads/main",
            "main",
            "ai:run",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def fixture_payloads() -> dict[str, dict[str, Any]]:
    return {
        f"{event}:{name}": json.loads((FIXTURES / "events" / name).read_text())
        for event, files in EVENT_FIXTURES.items()
        for name in files
    }


FIXTURE_PAYLOADS = fixture_payloads()


def paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a payload, objects included (so whole subtrees get replaced too)."""
    found: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths(item, (*prefix, key)))
    return found


def replace(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def assert_bounded(decision: RouteDecision) -> None:
    assert decision.status in ("accepted", "ignored")
    for action in decision.actions:
        assert SAFE_ID.fullmatch(action.workflow_id), action.workflow_id
        assert len(action.workflow_id) <= MAX_ID_LENGTH
    # What is stored (JSONB) and sent to Temporal: strict JSON, valid UTF-8, bounded.
    stored = json.dumps(
        {"response": decision.response, "plan": [a.to_json() for a in decision.actions]},
        allow_nan=False,
        ensure_ascii=False,
    )
    assert "\\u0000" not in stored
    assert len(stored.encode("utf-8")) < PLAN_LIMIT
    if decision.new_run is not None:
        assert 1 <= decision.new_run.issue_number <= 2**31 - 1
        assert len(decision.new_run.repo) <= 200


@settings(
    max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    event=st.sampled_from(EVENTS),
    payload=json_values,
    delivery_id=st.text(max_size=300),
    config=st.sampled_from(CONFIGS),
)
def test_route_arbitrary_json_never_raises(
    event: str, payload: Any, delivery_id: str, config: RoutingConfig
) -> None:
    body = payload if isinstance(payload, dict) else {"value": payload}
    decision = route(Delivery(event, body, delivery_id, "1"), config, "key")
    assert_bounded(decision)


@settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    data=st.data(), name=st.sampled_from(sorted(FIXTURE_PAYLOADS)), config=st.sampled_from(CONFIGS)
)
def test_route_github_payload_with_wrong_types_never_raises(
    data: st.DataObject, name: str, config: RoutingConfig
) -> None:
    payload = copy.deepcopy(FIXTURE_PAYLOADS[name])
    candidates = paths(payload)
    for path in data.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=4)):
        try:
            replace(payload, path, data.draw(json_values))
        except (KeyError, TypeError):
            continue  # an earlier replacement removed this path's parent
    event = name.split(":")[0]
    decision = route(Delivery(event, payload, "d-1", "1"), config, "key")
    assert_bounded(decision)


def test_route_unmodified_fixtures_are_accepted() -> None:
    # The property tests above would pass vacuously if every fixture were ignored.
    accepted = [
        name
        for name, payload in FIXTURE_PAYLOADS.items()
        if route(Delivery(name.split(":")[0], payload, "d-1", "1"), RoutingConfig(), "key").status
        == "accepted"
    ]
    assert len(accepted) >= 7, accepted

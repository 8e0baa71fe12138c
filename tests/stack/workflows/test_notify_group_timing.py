"""Notification group timing and CI order: first failure at once, followers batched per
interval, out-of-order CI events decided by the run's own order (real Temporal, real DB)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client

from tests.support.app import Stack
from tests.support.fakes.sinks import FakeAIMaestro
from tests.support.notifications import (
    finish,
    group_id,
    group_notices,
    rows,
    with_settings,
    workflow_run,
)
from tests.support.record_histories import RecordHistory
from tests.support.waiting import eventually
from tests.support.webhooks import deliver

pytestmark = pytest.mark.usefixtures("notify_settings")


def run(conclusion: str, number: int, name: str, attempt: int = 1) -> dict[str, Any]:
    payload = workflow_run(conclusion, run_id=number, name=name)
    payload["workflow_run"].update(run_number=number, run_attempt=attempt)
    return payload


async def group_state(client: Client, name: str) -> dict[str, Any]:
    state: dict[str, Any] = await client.get_workflow_handle(group_id(name)).query("state")
    return state


async def older_after_newer(
    stack: Stack, maestro: FakeAIMaestro, ci: str, newer: tuple[str, int], older: tuple[str, int]
) -> None:
    """Deliver the newer run's event (conclusion, run number), wait until its message has gone
    out, then deliver the older run's event: GitHub does not promise their order."""
    await deliver(stack.api, "workflow_run", run(*newer, ci))
    await eventually(lambda: maestro.messages, what=f"the {newer[0]} message")
    await deliver(stack.api, "workflow_run", run(*older, ci))


def types(maestro: FakeAIMaestro) -> list[str]:
    return [m["content"]["context"]["type"] for m in maestro.messages]


@with_settings(notify_group_wait="0s", notify_group_interval="4s")
async def test_first_failure_sent_at_once_and_followers_batched_per_interval(
    stack: Stack, maestro: FakeAIMaestro, ci: str
) -> None:
    api, sessions, temporal_client, _ = stack
    await deliver(api, "workflow_run", run("failure", 1, ci))
    await eventually(lambda: maestro.messages, what="the first failure, without waiting")
    await deliver(api, "workflow_run", run("failure", 2, ci))
    await deliver(api, "workflow_run", run("failure", 3, ci))

    async def held() -> bool:
        return (await group_state(temporal_client, ci))["batched"] == 2

    await eventually(held, what="two failures held for the interval")
    assert len(maestro.messages) == 1  # the batch waits for the interval, not sent one by one
    await eventually(lambda: len(maestro.messages) == 2, within=20, what="the batch")
    second = maestro.messages[1]["content"]["context"]
    assert second["count"] == 2 and "2 times" in maestro.messages[1]["subject"]
    assert len(await rows(sessions)) == 2
    # In the group's own (workflow) time the batch went out a full interval after the first.
    first, batch = await group_notices(temporal_client.get_workflow_handle(group_id(ci)))
    assert batch.at - first.at >= timedelta(seconds=4)


@with_settings(notify_group_interval="2s")
async def test_older_success_after_newer_failure_does_not_resolve(
    stack: Stack, maestro: FakeAIMaestro, ci: str, record_history: RecordHistory
) -> None:
    api, _, temporal_client, _ = stack
    await older_after_newer(stack, maestro, ci, newer=("failure", 10), older=("success", 9))

    async def stale() -> dict[str, Any] | None:
        state = await group_state(temporal_client, ci)
        return state if state["stale"] == 1 else None

    state = await eventually(stale, what="the older success counted as stale")
    assert state["red"] is True and types(maestro) == ["ci_failure"]
    # A re-run attempt of the failed run that passes is newer: it resolves.
    await deliver(api, "workflow_run", run("success", 10, ci, attempt=2))
    await eventually(lambda: "ci_resolved" in types(maestro), what="the resolution")
    result = await finish(temporal_client, group_id(ci))
    assert result["red"] is False and result["stale"] == 1
    assert types(maestro) == ["ci_failure", "ci_resolved"]
    await record_history("notify_group/older_success_after_newer_failure_inline", group_id(ci))


@with_settings(notify_group_interval="2s")
async def test_older_failure_after_newer_success_does_not_turn_red(
    stack: Stack, maestro: FakeAIMaestro, ci: str, record_history: RecordHistory
) -> None:
    await older_after_newer(stack, maestro, ci, newer=("success", 11), older=("failure", 10))
    result = await finish(stack.client, group_id(ci))
    assert result["red"] is False and result["stale"] == 1
    assert types(maestro) == ["ci_success"]
    await record_history("notify_group/older_failure_after_newer_success_inline", group_id(ci))

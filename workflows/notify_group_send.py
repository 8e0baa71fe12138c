"""How a CI group hands over a notice. Groups started since `notify-group-inline` send it
themselves: one local activity decides where it goes and records it (`notify.prepare`, keyed by
the notice's key: a notice recorded and tried before is not sent again), and its sends run in
the background of the group (BackgroundSends, workflows/notify_send.py) — no child workflow,
no second wait for a worker. They are drained before the group continues as new or ends.
Older groups start a NotificationWorkflow child per notice (deciding its receivers first when
routed)."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from workflows.activity_options import DB_ACTIVITY
from workflows.notify_send import BackgroundSends

with workflow.unsafe.imports_passed_through():
    from activities.notify_routes import DecideInput, NotifyRouteActivities
    from contract.inputs import GroupEvent, GroupInput
    from contract.notify_plan import HeldNotice, NotifyPlan, ReceiverPlan, SilencedNotice
    from contract.statuses import NotificationStatus
    from routing.notify_route import notification_memo
    from workflows.notification import NotificationInput, NotificationWorkflow

# Groups started before this start a NotificationWorkflow child per notice.
PATCH_INLINE = "notify-group-inline"


def is_red_notice(group: GroupInput, n: dict[str, Any]) -> bool:
    """A notice that says the branch is red (a batch of failures, a reminder, a summary)."""
    return group.kind == "workflow_run" and n.get("type") == "ci_failure"


def _new_failures(n: dict[str, Any], count: int) -> int:
    return 0 if any(k in n for k in ("reminder", "held", "silence_ended")) else count


class GroupSender:
    """Mixed into NotificationGroupWorkflow; these attributes and methods are its own."""

    _inbox: list[GroupEvent]
    _state: GroupInput | None
    _silences_ended: set[str]
    _routed: bool
    _inline: bool
    _sends: BackgroundSends

    async def _decide(self, n: dict[str, Any], group_id: str | None) -> NotifyPlan:
        plan: NotifyPlan = await workflow.execute_local_activity_method(
            NotifyRouteActivities.decide,
            DecideInput(notification=n, now=workflow.now().isoformat(), group_workflow_id=group_id),
            **DB_ACTIVITY,
        )
        return plan

    def _keep_quiet(
        self, input: GroupInput, r: ReceiverPlan, n: dict[str, Any], count: int
    ) -> None:
        """Remember a receiver a red notice was muted (held) or silenced for."""
        now = workflow.now().isoformat()
        if r.status in (NotificationStatus.MUTED, NotificationStatus.HELD):
            r.status = NotificationStatus.HELD
            held = input.held.get(r.receiver) or HeldNotice(r.interval or "", r.until, now)
            held.count += _new_failures(n, count)
            held.interval, held.until = r.interval or held.interval, r.until
            input.held[r.receiver] = held
        elif r.status == NotificationStatus.SILENCED and r.silence_id:
            entry = input.silenced.setdefault(r.silence_id, SilencedNotice(r.until or now))
            if r.silence_end_notice and r.receiver not in entry.receivers:
                entry.receivers.append(r.receiver)

    def _remember(
        self, input: GroupInput, plan: NotifyPlan, n: dict[str, Any], count: int, red: bool
    ) -> None:
        """What the group keeps of a notice's decision: its timing, whom a red one kept quiet."""
        input.timing = plan.timing
        if red:
            for r in plan.receivers:
                self._keep_quiet(input, r, n, count)

    async def _routed_plan(
        self, n: dict[str, Any], count: int, only: list[str] | None
    ) -> NotifyPlan | None:
        """The plan of one notice for its child (None: none of `only` is reached any more)."""
        input = self._state
        assert input is not None
        red = is_red_notice(input, n)
        plan = await self._decide(n, workflow.info().workflow_id if red else None)
        receivers = [r for r in plan.receivers if only is None or r.receiver in only]
        plan = NotifyPlan(receivers, plan.timing, plan.config)
        self._remember(input, plan, n, count, red)
        return plan if receivers else None

    async def _notify(
        self,
        key: str,
        n: dict[str, Any],
        delivery_id: str | None,
        count: int = 1,
        *,
        only: list[str] | None = None,
    ) -> None:
        """Hand the notice `key` over (`only`: of the receivers it reaches, just these)."""
        if self._inline:
            await self._send_notice(key, n, delivery_id, count, only)
            return
        plan = await self._routed_plan(n, count, only) if self._routed else None
        if self._routed and plan is None:
            return
        try:
            await workflow.start_child_workflow(
                NotificationWorkflow.run,
                NotificationInput(n, delivery_id, count, plan=plan),
                id=key,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                memo=notification_memo(n),
                # Ids come from deliveries: an event replayed into a later group run is not
                # sent again.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("notification %s already started", key)

    async def _send_notice(
        self,
        key: str,
        n: dict[str, Any],
        delivery_id: str | None,
        count: int,
        only: list[str] | None,
    ) -> None:
        """Decide and record the notice, then send it in the background."""
        input = self._state
        assert input is not None
        red = is_red_notice(input, n)
        group = workflow.info().workflow_id if red else None
        notice = NotificationInput(n, delivery_id, count)
        prepared = await self._sends.notify(key, notice, group_workflow_id=group, only=only)
        self._remember(input, prepared.plan, n, count, red)

    def sending(self) -> int:
        """Notices whose sends are still under way."""
        return self._sends.sending()

    async def _drained(self) -> bool:
        """Wait until every notice has been sent (a continue-as-new or the end would drop the
        sends under way). False when an event or a silence's end came meanwhile: the loop sees
        to it first and asks again."""
        return await self._sends.drained(lambda: bool(self._inbox) or bool(self._silences_ended))

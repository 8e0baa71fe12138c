"""The notification group's loop when notifications are routed (NOTIFY_CONFIG or its
environment equivalent): each notice is decided once (`notify.decide`) and handed to its
NotificationWorkflow with that plan; the group keeps what only it can know across notices.

- timing: group_wait / group_interval / repeat_interval of the first route the group's
  failures reach (NOTIFY_CHECK_WAIT still applies to check runs);
- held: a receiver whose route was muted by a time interval while the branch was red gets one
  summary when the mute ends, if the branch is still red (a workflow timer);
- silenced: when a silence that kept the red group quiet ends (at its endsAt, or expired early:
  the API signals `silence_ended`), the group's state goes once to the receivers it quieted;
  when the group turns green, its `endsWhenResolved` silences end.
A config reload changes nothing here but the next decision: open groups keep their state.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

from workflows.activity_options import DB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.notify import GroupSettings
    from activities.notify_routes import DecideInput, NotifyRouteActivities, ResolveInput
    from contract.inputs import GroupEvent, GroupInput
    from contract.notify_plan import HeldNotice, NotifyPlan, ReceiverPlan, SilencedNotice
    from contract.statuses import NotificationStatus
    from workflows.notify_group_notices import held_summary_notice, silence_ended_notice


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _is_red_notice(group: GroupInput, n: dict[str, Any]) -> bool:
    """A notice that says the branch is red (a batch of failures, a reminder, a summary)."""
    return group.kind == "workflow_run" and n.get("type") == "ci_failure"


def _new_failures(n: dict[str, Any], count: int) -> int:
    return 0 if any(k in n for k in ("reminder", "held", "silence_ended")) else count


class RoutedGroup:
    """Mixed into NotificationGroupWorkflow; these attributes and methods are its own."""

    _inbox: list[GroupEvent]
    _red: bool
    _state: GroupInput | None
    _silences_ended: set[str]
    _extra_notices: int

    # --- timing -----------------------------------------------------------------------------

    async def _decide(self, n: dict[str, Any], group_id: str | None) -> NotifyPlan:
        plan: NotifyPlan = await workflow.execute_local_activity_method(
            NotifyRouteActivities.decide,
            DecideInput(notification=n, now=workflow.now().isoformat(), group_workflow_id=group_id),
            **DB_ACTIVITY,
        )
        return plan

    async def _learn_timing(self, input: GroupInput) -> None:
        if input.timing is None and self._inbox:
            input.timing = (await self._decide(self._inbox[0].notification, None)).timing

    @staticmethod
    def _interval(input: GroupInput, cfg: GroupSettings) -> timedelta:
        t = input.timing
        return timedelta(seconds=t.group_interval_seconds if t else cfg.interval_seconds)

    @staticmethod
    def _repeat(input: GroupInput, cfg: GroupSettings) -> timedelta:
        t = input.timing
        return timedelta(seconds=t.repeat_interval_seconds if t else cfg.repeat_seconds)

    def _routed_send_at(self, input: GroupInput, cfg: GroupSettings) -> datetime:
        now = workflow.now()
        if input.last_notice_at:
            return max(now, _at(input.last_notice_at) + self._interval(input, cfg))
        if input.kind == "check_run":
            wait = cfg.check_wait_seconds
        else:
            wait = input.timing.group_wait_seconds if input.timing else cfg.wait_seconds
        return now + timedelta(seconds=wait)

    # --- deciding and handing over ------------------------------------------------------------

    def _keep_quiet(
        self, input: GroupInput, r: ReceiverPlan, n: dict[str, Any], count: int
    ) -> None:
        """Remember a receiver a red notice was muted or silenced for."""
        now = workflow.now().isoformat()
        if r.status == NotificationStatus.MUTED:
            r.status = NotificationStatus.HELD
            held = input.held.get(r.receiver) or HeldNotice(r.interval or "", r.until, now)
            held.count += _new_failures(n, count)
            held.interval, held.until = r.interval or held.interval, r.until
            input.held[r.receiver] = held
        elif r.status == NotificationStatus.SILENCED and r.silence_id:
            entry = input.silenced.setdefault(r.silence_id, SilencedNotice(r.until or now))
            if r.silence_end_notice and r.receiver not in entry.receivers:
                entry.receivers.append(r.receiver)

    async def _routed_plan(
        self, n: dict[str, Any], count: int, only: list[str] | None
    ) -> NotifyPlan | None:
        """The plan of one notice (None: none of `only` is reached any more)."""
        input = self._state
        assert input is not None
        red = _is_red_notice(input, n)
        plan = await self._decide(n, workflow.info().workflow_id if red else None)
        input.timing = plan.timing
        receivers = [r for r in plan.receivers if only is None or r.receiver in only]
        if red:
            for r in receivers:
                self._keep_quiet(input, r, n, count)
        if not receivers:
            return None
        return NotifyPlan(receivers, plan.timing, plan.config)

    # --- the ends of quiet times --------------------------------------------------------------

    def _until_quiet_ends(self, input: GroupInput) -> timedelta | None:
        ends = [_at(s.until) for s in input.silenced.values()]
        ends += [_at(h.until) for h in input.held.values() if h.until]
        if not ends:
            return None
        return max(min(ends) - workflow.now(), timedelta(0))

    async def _wake_quiet(self, input: GroupInput) -> None:
        """Send what ended quiet times owe: the state once per ended silence, one summary per
        receiver whose mute ended. Only a red group owes anything."""
        if not self._red:
            input.held, input.silenced = {}, {}
            self._silences_ended.clear()
            return
        now = workflow.now()
        due = [
            sid
            for sid, s in input.silenced.items()
            if sid in self._silences_ended or _at(s.until) <= now
        ]
        self._silences_ended.clear()
        for sid in due:
            entry = input.silenced.pop(sid)
            if entry.receivers:
                self._extra_notices += 1
                await self._notify(
                    f"notify-{workflow.info().run_id}-s{self._extra_notices}",
                    silence_ended_notice(input, sid),
                    None,
                    input.failures_total,
                    only=entry.receivers,
                )
        for name in [r for r, h in input.held.items() if h.until and _at(h.until) <= now]:
            held = input.held.pop(name)
            self._extra_notices += 1
            await self._notify(
                f"notify-{workflow.info().run_id}-h{self._extra_notices}",
                held_summary_notice(input, held),
                None,
                input.failures_total,
                only=[name],
            )
            again = input.held.get(name)
            if again is not None:  # muted by the next interval already: keep the tally
                again.count, again.since = held.count, held.since

    async def _end_quiet(self, input: GroupInput) -> None:
        """Green: the `endsWhenResolved` silences that kept it quiet end; nothing is owed."""
        if input.silenced:
            await workflow.execute_local_activity_method(
                NotifyRouteActivities.resolve_silences,
                ResolveInput(
                    workflow.info().workflow_id, sorted(input.silenced), workflow.now().isoformat()
                ),
                **DB_ACTIVITY,
            )
        input.held, input.silenced = {}, {}

    async def _notify(
        self,
        wf_id: str,
        n: dict[str, Any],
        delivery_id: str | None,
        count: int = 1,
        *,
        only: list[str] | None = None,
    ) -> None:
        raise NotImplementedError  # NotificationGroupWorkflow's

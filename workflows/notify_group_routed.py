"""The notification group's loop when notifications are routed (NOTIFY_CONFIG or its
environment equivalent): each notice is decided once and sent (workflows/notify_group_send.py);
the group keeps what only it can know across notices.

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
from workflows.notify_group_send import GroupSender

with workflow.unsafe.imports_passed_through():
    from activities.notify import GroupSettings
    from activities.notify_routes import NotifyRouteActivities, ResolveInput
    from contract.inputs import GroupInput
    from workflows.notify_group_notices import held_summary_notice, silence_ended_notice


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


class RoutedGroup(GroupSender):
    """Mixed into NotificationGroupWorkflow; these attributes and methods are its own."""

    _red: bool
    _extra_notices: int

    # --- timing -----------------------------------------------------------------------------

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
                await self._owe("s", silence_ended_notice(input, sid), entry.receivers)
        for name in [r for r, h in input.held.items() if h.until and _at(h.until) <= now]:
            held = input.held.pop(name)
            await self._owe("h", held_summary_notice(input, held), [name])
            again = input.held.get(name)
            if again is not None:  # muted by the next interval already: keep the tally
                again.count, again.since = held.count, held.since

    async def _owe(self, letter: str, n: dict[str, Any], receivers: list[str]) -> None:
        """One notice a quiet time's end owes these receivers (`s`ilence, `h`eld summary)."""
        input = self._state
        assert input is not None
        self._extra_notices += 1
        key = f"notify-{workflow.info().run_id}-{letter}{self._extra_notices}"
        await self._notify(key, n, None, input.failures_total, only=receivers)

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

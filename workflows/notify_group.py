"""NotificationGroupWorkflow: CI noise control for one (repo, workflow, branch).

Fed by signal-with-start (`event`) for every ci_failure / ci_success of its group, with
Alertmanager's timing:
- a new group's first failure goes out after NOTIFY_GROUP_WAIT (default 0 s: at once); a
  check_run failure waits NOTIFY_CHECK_WAIT instead and is dropped if a failed workflow_run
  for its head SHA arrived meanwhile (the workflow failure already says it);
- failures that follow are batched into one notification per NOTIFY_GROUP_INTERVAL;
- while the branch stays red a reminder goes out every NOTIFY_REPEAT_INTERVAL;
- the first success after red sends one `ci_resolved` notification; a green group ends after
  one quiet interval.
Red/green follows the CI run's own order (workflows/notify_group_order.py), not arrival: an
older success arriving after a newer failure resolves nothing. Groups started since receivers
exist decide each notice's receivers, with quiet hours and silences
(workflows/notify_group_routed.py), and record and send each notice themselves
(workflows/notify_group_send.py; older ones start a NotificationWorkflow child per notice).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

from workflows.activity_options import DB_ACTIVITY, SETTINGS_ACTIVITY
from workflows.notify_group_routed import RoutedGroup
from workflows.notify_group_send import PATCH_INLINE
from workflows.notify_send import BackgroundSends

with workflow.unsafe.imports_passed_through():
    from activities.notify import (
        CoveredInput,
        GroupOpened,
        GroupOpenInput,
        GroupSettings,
        NotifyActivities,
    )
    from contract.inputs import GroupEvent as GroupEvent
    from contract.inputs import GroupInput as GroupInput
    from contract.names import Query, Signal, Workflow
    from workflows import search_attributes as sa
    from workflows.notify_group_notices import batch_notice, reminder_notice, resolved_notice
    from workflows.notify_group_order import ci_order, is_stale, newest, stored_order


SEEN_LIMIT = 500
# Groups started before this take the old loop: every notice to the environment's sinks.
PATCH_ROUTED = "notify-group-routed"


def _is_success(event: GroupEvent) -> bool:
    return event.notification.get("type") == "ci_success"


@workflow.defn(name=Workflow.NOTIFICATION_GROUP)
class NotificationGroupWorkflow(RoutedGroup):
    def __init__(self) -> None:
        self._inbox: list[GroupEvent] = []
        self._seen: list[str] = []
        self._red = False
        self._state: GroupInput | None = None
        self._batch: list[GroupEvent] = []  # failures gathered for the next notification
        self._routed = False
        self._inline = False
        self._sends = BackgroundSends()  # notices being sent
        self._silences_ended: set[str] = set()
        self._extra_notices = 0  # summaries and silence-end notices of this run

    @workflow.signal(name=Signal.GROUP_EVENT)
    def event(self, event: GroupEvent) -> None:
        if event.key in self._seen:
            return
        self._seen = [*self._seen[-(SEEN_LIMIT - 1) :], event.key]
        self._inbox.append(event)

    @workflow.signal(name=Signal.SILENCE_ENDED)
    def silence_ended(self, silence_id: str) -> None:
        self._silences_ended.add(silence_id)

    @workflow.query(name=Query.STATE)
    def state(self) -> dict[str, Any]:
        s = self._state or GroupInput("", "", "", "")
        return {
            "red": self._red,
            **{k: getattr(s, k) for k in ("red_since", "failures_total", "reminders", "stale")},
            "pending": len(self._inbox),
            "batched": len(self._batch),
            "sending": self.sending(),
            "routed": self._routed,
            "held": {r: h.count for r, h in s.held.items()},
            "silenced": sorted(s.silenced),
        }

    @workflow.run
    async def run(self, input: GroupInput) -> dict[str, Any]:
        self._state = input
        self._red = input.red_since is not None
        self._seen = [*input.seen, *self._seen][-SEEN_LIMIT:]
        self._inbox = [*input.pending, *self._inbox]
        workflow.upsert_search_attributes(
            [
                sa.REPO.value_set(input.repo),
                sa.KIND.value_set("notification-group"),
            ]
        )
        self._routed = workflow.patched(PATCH_ROUTED)
        self._inline = self._routed and workflow.patched(PATCH_INLINE)
        cfg = await self._settings(input)
        if self._routed:
            return await self._run_routed(input, cfg)
        repeat = timedelta(seconds=cfg.repeat_seconds)
        linger = timedelta(seconds=cfg.interval_seconds)
        while True:
            self._drop_stale(input)
            if not self._inbox and workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(self._carry(input))
            if not self._inbox and not self._red:
                # Green: stay one interval so a late, older failure is recognised as stale.
                try:
                    await workflow.wait_condition(lambda: bool(self._inbox), timeout=linger)
                except TimeoutError:
                    return self.state()
                continue
            if not self._inbox:
                try:
                    await workflow.wait_condition(
                        lambda: bool(self._inbox), timeout=self._until_reminder(repeat)
                    )
                except TimeoutError:
                    await self._remind(input)
                continue
            if _is_success(self._inbox[0]):
                await self._take_success(input)
                continue
            await self._collect(input, self._send_at(input, cfg))
            batch, self._batch = self._batch, []
            await self._flush(input, batch)

    async def _run_routed(self, input: GroupInput, cfg: GroupSettings) -> dict[str, Any]:
        """The loop above, with routed notices and the ends of quiet times as wake-ups."""
        while True:
            self._drop_stale(input)
            await self._wake_quiet(input)  # before a continue-as-new could drop its signals
            if not self._inbox and workflow.info().is_continue_as_new_suggested():
                if await self._drained():
                    workflow.continue_as_new(self._carry(input))
                continue
            if not self._inbox and not self._red:
                try:
                    await workflow.wait_condition(
                        lambda: bool(self._inbox), timeout=self._interval(input, cfg)
                    )
                except TimeoutError:
                    if await self._drained():
                        return self.state()
                continue
            if not self._inbox:
                repeat = self._repeat(input, cfg)
                quiet = self._until_quiet_ends(input)
                reminder = self._until_reminder(repeat)
                try:
                    await workflow.wait_condition(
                        lambda: bool(self._inbox) or bool(self._silences_ended),
                        timeout=min(reminder, quiet) if quiet is not None else reminder,
                    )
                except TimeoutError:
                    if self._until_reminder(repeat) <= timedelta(0):
                        await self._remind(input)
                continue
            if _is_success(self._inbox[0]):
                await self._take_success(input)
                continue
            await self._learn_timing(input)
            await self._collect(input, self._routed_send_at(input, cfg))
            batch, self._batch = self._batch, []
            await self._flush(input, batch)

    async def _settings(self, input: GroupInput) -> GroupSettings:
        """The group's durations; a group that sends itself learns the timing of its first
        failure's route in the same step (one local activity fewer before that notice)."""
        if not self._inline:
            cfg: GroupSettings = await workflow.execute_local_activity_method(
                NotifyActivities.group_settings, **SETTINGS_ACTIVITY
            )
            return cfg
        failures = (e.notification for e in self._inbox if not _is_success(e))
        first = next(failures, None) if input.timing is None else None
        opened: GroupOpened = await workflow.execute_local_activity_method(
            NotifyActivities.group_open, GroupOpenInput(first), **SETTINGS_ACTIVITY
        )
        input.timing = input.timing or opened.timing
        return opened.settings

    async def _take_success(self, input: GroupInput) -> None:
        """The success at the head of the inbox: the resolution of a red group, otherwise a
        notice of its own."""
        success = self._inbox.pop(0)
        input.newest_success = newest(input.newest_success, ci_order(success.notification))
        if self._red or input.failures_total:
            await self._resolve(input, success)
        else:
            await self._notify(f"notify-{success.key}", success.notification, success.delivery_id)

    def _send_at(self, input: GroupInput, cfg: GroupSettings) -> datetime:
        """When the failures now arriving go out: a new group after its wait, a group that
        already spoke one interval after its last notification."""
        now = workflow.now()
        if input.last_notice_at:
            due = datetime.fromisoformat(input.last_notice_at)
            return max(now, due + timedelta(seconds=cfg.interval_seconds))
        wait = cfg.check_wait_seconds if input.kind == "check_run" else cfg.wait_seconds
        return now + timedelta(seconds=wait)

    def _drop_stale(self, input: GroupInput) -> None:
        """Events older (by the CI run's order) than the newest opposite outcome decide
        nothing: they are counted and dropped."""
        while self._inbox:
            head = self._inbox[0]
            if not is_stale(
                ci_order(head.notification),
                success=_is_success(head),
                newest_failure=stored_order(input.newest_failure),
                newest_success=stored_order(input.newest_success),
            ):
                return
            self._inbox.pop(0)
            input.stale += 1
            workflow.logger.info("group %s: stale CI event %s dropped", input.group_key, head.key)

    async def _collect(self, input: GroupInput, deadline: datetime) -> None:
        """Gather failures into the batch until `deadline` or a (newer) success arrives."""
        while True:
            self._drop_stale(input)
            while self._inbox and not _is_success(self._inbox[0]):
                event = self._inbox.pop(0)
                input.newest_failure = newest(input.newest_failure, ci_order(event.notification))
                self._batch.append(event)
                self._drop_stale(input)
            remaining = (deadline - workflow.now()).total_seconds()
            if self._inbox or remaining <= 0:
                return
            try:
                await workflow.wait_condition(lambda: bool(self._inbox), timeout=remaining)
            except TimeoutError:
                return

    async def _flush(self, input: GroupInput, batch: list[GroupEvent]) -> None:
        if input.kind == "check_run":
            shas = sorted(
                {
                    str(e.notification.get("head_sha"))
                    for e in batch
                    if e.notification.get("head_sha")
                }
            )
            covered: list[str] = await workflow.execute_activity_method(
                NotifyActivities.failed_workflow_shas,
                CoveredInput(input.repo, shas),
                **DB_ACTIVITY,
            )
            batch = [e for e in batch if e.notification.get("head_sha") not in covered]
        if not batch:
            return
        self._drop_stale(input)
        if self._inbox and _is_success(self._inbox[0]):
            # Green again before anyone was told: the resolution reports these failures.
            input.failures_total += len(batch)
            input.last_failure = batch[-1].notification
            return
        count = len(batch)
        n = batch_notice(input, [e.notification for e in batch], [e.delivery_id for e in batch])
        await self._notify(f"notify-{batch[0].key}", n, batch[0].delivery_id, count)
        input.failures_total += count
        input.last_failure = n
        now = workflow.now().isoformat()
        input.last_notice_at = now
        if input.kind == "workflow_run":
            # Only workflow runs report success, so only they can stay red and be resolved.
            input.red_since = input.red_since or now
            self._red = True
        else:
            input.failures_total = 0

    def _until_reminder(self, repeat: timedelta) -> timedelta:
        last = self._state.last_notice_at if self._state else None
        if not last:
            return repeat
        due = datetime.fromisoformat(last) + repeat
        return max(due - workflow.now(), timedelta(seconds=0))

    async def _remind(self, input: GroupInput) -> None:
        input.reminders += 1
        n = reminder_notice(input)
        await self._notify(
            f"notify-{workflow.info().run_id}-r{input.reminders}", n, None, input.failures_total
        )
        input.last_notice_at = workflow.now().isoformat()

    async def _resolve(self, input: GroupInput, success: GroupEvent) -> None:
        n = resolved_notice(input, success.notification)
        await self._notify(f"notify-{success.key}", n, success.delivery_id)
        if self._routed:
            await self._end_quiet(input)
        input.red_since = input.last_notice_at = input.last_failure = None
        input.failures_total = input.reminders = 0
        self._red = False

    def _carry(self, input: GroupInput) -> GroupInput:
        return GroupInput(
            **{**input.__dict__, "seen": list(self._seen), "pending": list(self._inbox)}
        )

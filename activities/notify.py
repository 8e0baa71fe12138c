"""Notification activities: deliver a notification to one sink of one receiver, record the
outcome; and the bookkeeping of workflows started before receivers existed (record, the
group settings).

Each sink is its own activity so one sink that is down retries on its own schedule and never
holds up the others. SinkError.retryable decides whether Temporal tries again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notification_row import event_of, notification_row
from activities.notify_receivers import SinkTarget, row_receiver, sink_target
from contract.notify_plan import NotifyTiming
from contract.statuses import NotificationStatus, SinkStatus
from db.engine import SessionFactory
from db.models import Notification, WebhookEvent
from db.types import utcnow
from notify.aimaestro import send_aimaestro
from notify.chat import send_chat
from notify.config import DEFAULT_RECEIVER
from notify.decide import first_timing
from notify.env_config import environment_receiver
from notify.errors import SinkError
from notify.live import LiveConfig
from notify.logfile import awrite_event_log
from notify.matchers import labels_of
from notify.render import Renderer
from ops.worker_metrics import notification as notification_metric
from ops.worker_metrics import receiver_notification as receiver_metric
from settings import Settings

HTTP_TIMEOUT = 10.0


@dataclass
class RecordInput:
    key: str  # the notification's dedupe key (its workflow id)
    workflow_id: str
    notification: dict[str, Any]
    delivery_id: str | None = None
    count: int = 1


@dataclass
class SinkInput:
    sink: str
    key: str
    notification: dict[str, Any]
    delivery_id: str | None = None
    occurred_at: str | None = None  # ISO time the workflow saw (names the log file)
    receiver: str = ""  # "" : a workflow started before receivers (the environment's sinks)


@dataclass
class SinkResult:
    sink: str
    status: str  # sent | failed
    attempts: int | None  # None: keep the count the attempts recorded
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    receiver: str = ""


@dataclass
class FinishInput:
    key: str
    results: list[SinkResult]


@dataclass
class GroupSettings:
    wait_seconds: float  # NOTIFY_GROUP_WAIT: before a new group's first notification
    interval_seconds: float  # NOTIFY_GROUP_INTERVAL: between a group's notifications
    repeat_seconds: float  # NOTIFY_REPEAT_INTERVAL: reminders while red
    check_wait_seconds: float  # NOTIFY_CHECK_WAIT: a check_run failure's first wait


@dataclass
class GroupOpenInput:
    # The group's first failure, when it has no timing yet: the timing of its route is read.
    notification: dict[str, Any] | None = None


@dataclass
class GroupOpened:
    settings: GroupSettings
    timing: NotifyTiming | None = None


@dataclass
class CoveredInput:
    repo: str
    head_shas: list[str]


def sink_error(exc: SinkError) -> ApplicationError:
    """Temporal does not read SinkError.retryable: say it in Temporal's terms."""
    if not exc.retryable:
        return ApplicationError(str(exc), type="SinkError", non_retryable=True)
    delay = timedelta(seconds=exc.retry_after) if exc.retry_after else None
    return ApplicationError(str(exc), type="SinkError", next_retry_delay=delay)


class NotifyActivities:
    def __init__(
        self, settings: Settings, sessions: SessionFactory, live: LiveConfig, renderer: Renderer
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._live = live
        self._renderer = renderer
        self._http: httpx.AsyncClient | None = None

    def _client(self) -> httpx.AsyncClient:
        """One client for every send: building one (TLS context, pool) costs tens of ms."""
        if self._http is None or self._http.is_closed:
            self._http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
        return self._http

    @activity.defn(name="notify.record")
    async def record(self, input: RecordInput) -> list[str]:
        """Insert the notification row (once per key); returns the sinks to deliver to.
        (Workflows started before receivers: the environment's one receiver.)"""
        sinks = environment_receiver(self._settings).sinks
        async with self._sessions() as session:
            query = select(Notification).where(Notification.dedupe_key == input.key)
            row = (await session.exec(query)).first()
            if row is None:
                pending = NotificationStatus.PENDING
                session.add(
                    notification_row(input, receiver=DEFAULT_RECEIVER, status=pending, sinks=sinks)
                )
                await session.commit()
        return sinks

    async def _note_attempt(self, input: SinkInput, status: str, error: str | None) -> None:
        """Mirror one attempt into the row (best effort: the sink's outcome matters more)."""
        attempt = activity.info().attempt
        patch = {input.sink: {"status": status, "attempts": attempt, "error": error}}
        try:
            await self._update(input.key, row_receiver(input.receiver), patch)
        except Exception:  # noqa: BLE001 - a DB hiccup must not turn a sent message into a retry
            activity.logger.warning(
                "could not record %s attempt %d for %s", input.sink, attempt, input.key
            )

    async def _update(
        self, key: str, receiver: str, patch: dict[str, Any], status: str | None = None
    ) -> None:
        async with self._sessions() as session:
            query = select(Notification).where(
                Notification.dedupe_key == key, Notification.receiver == receiver
            )
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update()  # sinks finish concurrently: no lost updates
            row = (await session.exec(query)).first()
            if row is None:
                return
            merged = dict(row.sink_status)
            for sink, values in patch.items():
                merged[sink] = {**(merged.get(sink) or {}), **values}
            row.sink_status = merged
            if status is not None:
                row.status = status
            row.updated_at = utcnow()
            session.add(row)
            await session.commit()

    async def _sent_before(self, input: SinkInput) -> bool:
        """Whether an earlier attempt of this send recorded it as sent (and then died before
        Temporal heard of it): the notification's key says it went out, so it is not sent
        again. Only retries ask, so a first attempt costs no read."""
        if activity.info().attempt == 1:
            return False
        async with self._sessions() as session:
            query = select(Notification.sink_status).where(
                Notification.dedupe_key == input.key,
                Notification.receiver == row_receiver(input.receiver),
            )
            found = (await session.exec(query)).first() or {}
        return (found.get(input.sink) or {}).get("status") == SinkStatus.SENT

    async def _deliver(
        self, input: SinkInput, send: Callable[[SinkTarget], Awaitable[dict[str, Any]]]
    ) -> SinkResult:
        if await self._sent_before(input):
            activity.logger.info("%s of %s was sent by an earlier attempt", input.sink, input.key)
            return SinkResult(input.sink, "sent", None, receiver=input.receiver)
        try:
            target = sink_target(input.sink, input.receiver, self._settings, self._live)
            detail = await send(target)
        except SinkError as exc:
            result = "retrying" if exc.retryable else "failed"
            notification_metric(input.sink, result)
            await self._note_attempt(input, result, str(exc)[:500])
            raise sink_error(exc) from exc
        notification_metric(input.sink, "sent")
        await self._note_attempt(input, "sent", None)
        return SinkResult(
            input.sink,
            "sent",
            activity.info().attempt,
            detail=detail or {},
            receiver=input.receiver,
        )

    @activity.defn(name="notify.logfile")
    async def logfile(self, input: SinkInput) -> SinkResult:
        """Write LOG_DIR/YYYYMMDD_HHMMSS_<event>.json and latest.json."""
        n = input.notification
        when = datetime.fromisoformat(input.occurred_at) if input.occurred_at else datetime.now(UTC)

        async def send(target: SinkTarget) -> dict[str, Any]:
            inline = target.templates.get("summary")
            document = n
            if inline is not None or self._renderer.has_overrides:
                summary = self._renderer.render("logfile", "summary", {"n": n}, inline=inline)
                document = {**n, "summary": summary}
            assert target.log_dir is not None
            path = await awrite_event_log(
                target.log_dir,
                event=event_of(n),
                notification=document,
                payload_summary=n.get("payload_summary") or {},
                when=when,
                # The notification's own key (`notify-{delivery}-{i}`, reminder/escalation ids):
                # a retried write rewrites its file, while escalations and reminders of one
                # delivery each get their own file.
                key=input.key,
                delivery_id=input.delivery_id,
            )
            return {"path": str(path)}

        return await self._deliver(input, send)

    @activity.defn(name="notify.aimaestro")
    async def aimaestro(self, input: SinkInput) -> SinkResult:
        """POST {AIMAESTRO_URL}/api/messages."""

        async def send(target: SinkTarget) -> dict[str, Any]:
            answer = await send_aimaestro(
                self._client(),
                input.notification,
                base_url=target.url,
                sender=target.sender,
                recipient=target.recipient,
                renderer=self._renderer,
                templates=target.templates,
            )
            message = answer.get("message")
            return {"id": message.get("id")} if isinstance(message, dict) else {}

        return await self._deliver(input, send)

    @activity.defn(name="notify.chat")
    async def chat(self, input: SinkInput) -> SinkResult:
        """POST the notification to the receiver's webhook (json or slack format)."""

        async def send(target: SinkTarget) -> dict[str, Any]:
            await send_chat(
                self._client(),
                input.notification,
                url=target.url,
                fmt="slack" if target.format == "slack" else "json",
                renderer=self._renderer,
                templates=target.templates,
            )
            return {}

        return await self._deliver(input, send)

    @activity.defn(name="notify.finish")
    async def finish(self, input: FinishInput) -> None:
        """Record each sink's final outcome, and each receiver's: sent, or failed when one of
        its sinks gave up."""
        patches: dict[str, dict[str, Any]] = {}
        for r in input.results:
            values = {"status": r.status, "error": r.error, **r.detail}
            if r.attempts is not None:
                values["attempts"] = r.attempts
            patches.setdefault(row_receiver(r.receiver), {})[r.sink] = values
        for receiver, patch in patches.items():
            failed = any(v["status"] != SinkStatus.SENT for v in patch.values())
            status = NotificationStatus.FAILED if failed else NotificationStatus.SENT
            await self._update(input.key, receiver, patch, status)
            receiver_metric(receiver, status)

    @activity.defn(name="notify.group_settings")
    async def group_settings(self) -> GroupSettings:
        """The NOTIFY_GROUP_* / NOTIFY_*_WAIT durations, read where settings live."""
        s = self._settings
        return GroupSettings(
            wait_seconds=s.notify_group_wait.total_seconds(),
            interval_seconds=s.notify_group_interval.total_seconds(),
            repeat_seconds=s.notify_repeat_interval.total_seconds(),
            check_wait_seconds=s.notify_check_wait.total_seconds(),
        )

    @activity.defn(name="notify.group_open")
    async def group_open(self, input: GroupOpenInput) -> GroupOpened:
        """What a group run reads first, in one step: the durations and, for its first
        failure, the timing of the route it takes (config only: no database)."""
        n = input.notification
        timing = first_timing(self._live.current(), labels_of(n)) if n is not None else None
        return GroupOpened(await self.group_settings(), timing)

    @activity.defn(name="notify.failed_workflow_shas")
    async def failed_workflow_shas(self, input: CoveredInput) -> list[str]:
        """Which of these head SHAs already have a failed workflow_run delivery recorded."""
        if not input.head_shas:
            return []
        run = WebhookEvent.payload["workflow_run"]
        sha = run["head_sha"].as_string()
        query = select(sha).where(
            WebhookEvent.event_type == "workflow_run",
            WebhookEvent.repo == input.repo,
            WebhookEvent.signature_valid.is_(True),  # type: ignore[attr-defined]
            run["conclusion"].as_string() == "failure",
            sha.in_(input.head_shas),
        )
        async with self._sessions() as session:
            found = (await session.exec(query)).all()
        return sorted({str(s) for s in found})

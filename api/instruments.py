"""The API's Prometheus instruments (per app) and the delivery-outcome label."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func
from sqlmodel import select

from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow


def delivery_outcome(status_code: int, status: object, *, redelivery: bool) -> str:
    """The outcome label of one delivery, from its reply."""
    if redelivery:
        return "redelivery"
    if status_code == 413:
        return "too_large"
    if status_code == 401:
        return "rejected_signature"
    if status_code >= 400:
        return "rejected_malformed"
    return "ignored" if status == "ignored" else "accepted"


# What each instrument counts (its HELP line on /metrics), by name.
HELP = {
    "hookflow_deliveries": "Webhook deliveries by event and outcome",
    "hookflow_ingest_seconds": "Time from request to reply for a webhook delivery",
    "hookflow_dispatch_attempts": "Attempts to start a delivery's workflows",
    "hookflow_outbox_pending": "Recorded deliveries whose workflows are not started yet",
    "hookflow_outbox_oldest_seconds": "Age of the oldest pending delivery (0 if none)",
    "hookflow_rejected_unrecorded": (
        "Unsigned deliveries answered 401 but not recorded (over the per-address cap)"
    ),
    "hookflow_vault_up": (
        "1 when the latest read of Vault succeeded, 0 while the last good secrets are in use"
    ),
    "hookflow_vault_last_success_timestamp_seconds": (
        "Unix time of the latest successful read of Vault"
    ),
}
INGEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class ApiMetrics:
    """The API's instruments; one per app so tests (many apps per process) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.deliveries = self._counter("hookflow_deliveries", "event", "outcome")
        self.ingest_seconds = Histogram(
            "hookflow_ingest_seconds",
            HELP["hookflow_ingest_seconds"],
            registry=self.registry,
            buckets=INGEST_BUCKETS,
        )
        self.dispatch_attempts = self._counter("hookflow_dispatch_attempts", "result")
        self.outbox_pending = self._gauge("hookflow_outbox_pending")
        self.outbox_oldest = self._gauge("hookflow_outbox_oldest_seconds")
        self.rejected_unrecorded = self._counter("hookflow_rejected_unrecorded")
        self.vault_up = self._gauge("hookflow_vault_up")
        self.vault_last_read = self._gauge("hookflow_vault_last_success_timestamp_seconds")

    def _counter(self, name: str, *labels: str) -> Counter:
        return Counter(name, HELP[name], labels, registry=self.registry)

    def _gauge(self, name: str) -> Gauge:
        return Gauge(name, HELP[name], registry=self.registry)

    def vault_refresh(self, ok: bool) -> None:
        self.vault_up.set(1 if ok else 0)
        if ok:
            self.vault_last_read.set_to_current_time()

    def delivery(self, event: str | None, outcome: str, seconds: float | None = None) -> None:
        # Event names come from a header anyone can send: bound the label's cardinality.
        label = (
            (event or "unknown")[:40]
            if outcome not in ("rejected_signature", "too_large")
            else "unverified"
        )
        self.deliveries.labels(event=label, outcome=outcome).inc()
        if seconds is not None:
            self.ingest_seconds.observe(seconds)

    def dispatch_attempt(self, ok: bool) -> None:
        self.dispatch_attempts.labels(result="started" if ok else "failed").inc()

    async def refresh_outbox(self, sessions: SessionFactory) -> None:
        """One indexed aggregate over pending rows (idx on dispatch_status)."""
        query = select(func.count(), func.min(WebhookEvent.processed_at)).where(
            WebhookEvent.dispatch_status == "pending"
        )
        async with sessions() as session:
            count, oldest = (await session.exec(query)).one()
        self.outbox_pending.set(count)
        self.outbox_oldest.set(_age(oldest))


def _age(oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    now = utcnow().replace(tzinfo=None)  # processed_at is stored naive UTC
    return max(0.0, (now - oldest.replace(tzinfo=None)).total_seconds())

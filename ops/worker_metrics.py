"""The worker's metrics: Temporal's SDK metrics plus hookflow's own, on one Prometheus endpoint.

hookflow's counters are created on the activity's Temporal metric meter, so the SDK's exporter
(PrometheusConfig on WORKER_METRICS_PORT) serves them beside its own; outside an activity
(CLI, tests without a metrics runtime) they are no-ops.
"""

from __future__ import annotations

from collections.abc import Mapping

from temporalio import activity
from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from settings import ConfigError, Settings

NOTIFICATIONS = "hookflow_notifications_total"
RECEIVER_NOTIFICATIONS = "hookflow_notification_outcomes_total"
GITHUB_REQUESTS = "hookflow_github_requests_total"
GITHUB_RATE_LIMIT = "hookflow_github_rate_limit_remaining"


def metrics_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime exporting Prometheus metrics, or None when WORKER_METRICS_PORT=0."""
    if not settings.worker_metrics_port:
        return None
    bind = f"{settings.worker_metrics_host}:{settings.worker_metrics_port}"
    try:
        return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind)))
    except ValueError as exc:  # e.g. the port is taken by another worker on this host
        raise ConfigError(
            f"WORKER_METRICS_PORT={settings.worker_metrics_port}: {exc} "
            "(choose another port, or 0 to turn the worker's metrics off)"
        ) from None


def _meter() -> MetricMeter:
    return activity.metric_meter() if activity.in_activity() else MetricMeter.noop


def notification(sink: str, result: str) -> None:
    """One notification handed to a sink: result sent | failed."""
    _meter().create_counter(NOTIFICATIONS, "Notifications by sink and result").add(
        1, {"sink": sink, "result": result}
    )


def receiver_notification(receiver: str, status: str) -> None:
    """What became of one notification at one receiver: sent | failed | silenced | muted | held."""
    _meter().create_counter(
        RECEIVER_NOTIFICATIONS, "Notifications by receiver and what became of them"
    ).add(1, {"receiver": receiver, "status": status})


def github_response(status: int | None, headers: Mapping[str, str]) -> None:
    """Called by the GitHub transport after each request (status None: no answer)."""
    meter = _meter()
    meter.create_counter(GITHUB_REQUESTS, "GitHub REST requests by HTTP status").add(
        1, {"status": str(status) if status is not None else "error"}
    )
    remaining = headers.get("x-ratelimit-remaining", "")
    if remaining.isdigit():
        meter.create_gauge(
            GITHUB_RATE_LIMIT, "Requests left in the current GitHub rate-limit window"
        ).set(int(remaining))

"""The FastAPI application: `uvicorn api.main:app` (all configuration from the environment)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Iterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import Receive, Scope, Send
from temporalio.client import Client

from api import (
    deliveries,
    delivery_retry,
    errors,
    health,
    metrics,
    notifications,
    run_actions,
    runs,
    silences,
    tasks,
    webhook_route,
    webhooks,
)
from api.console.app import create_console
from api.deps import AppState
from api.instruments import ApiMetrics
from db.engine import make_engine, make_session_factory
from delivery.dispatcher import Dispatcher
from delivery.event_log import EventLog
from delivery.receive import Intake
from delivery.record_batch import IngestBatch
from delivery.rejected_cap import RejectedCap
from notify.config import NotifyConfig, repository_overrides
from notify.live import LiveConfig
from notify.problems import ConfigInvalid
from ops import memory
from ops.logs import configure_logging, mask_also
from ops.refused import Refused
from ops.temporal_connect import connect_temporal
from ops.version import VERSION
from routing.config import routing_config
from routing.notifications import validate_priority_overrides
from settings import ConfigError, Settings, load_settings
from settings.vault_client import VaultSource
from vault.provider import SecretProvider

log = logging.getLogger("hookflow.api")


async def start_secrets(conf: Settings, api_metrics: ApiMetrics) -> SecretProvider:
    """The API's secrets: the settings' own, or Vault's (first read now, a start-up error when
    it fails; re-read every VAULT_REFRESH by the provider's loop)."""
    source = VaultSource(conf) if conf.vault_enabled else None
    provider = SecretProvider(
        conf, source, on_values=mask_also, on_refresh=api_metrics.vault_refresh
    )
    await asyncio.to_thread(provider.load)
    if source is not None:
        api_metrics.vault_refresh(True)
    return provider


async def watch_notify_config(live: LiveConfig, every: float = 1.0) -> None:
    """Re-read NOTIFY_CONFIG when it changes (its `repositories:` steer routing here)."""
    while True:
        await asyncio.sleep(every)
        live.current()


@contextlib.contextmanager
def reload_on_sighup(live: LiveConfig) -> Iterator[None]:
    """`kill -HUP` re-reads NOTIFY_CONFIG at once (only when one is configured)."""
    loop = asyncio.get_running_loop()
    installed = False
    if live.path is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, live.reload)
            installed = True
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGHUP)


class HookflowApp(FastAPI):
    """FastAPI, with the webhook POSTs answered first by their raw route (api/webhook_route.py):
    a delivery costs the pipeline, not the framework's per-request objects."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            target = webhook_route.match(scope)
            state: AppState | None = getattr(self.state, "hookflow", None)
            if target is not None and state is not None:
                await webhook_route.handle(state, target, scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> HookflowApp:
    """Build the app; settings default to the environment, read when the app starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        memory.limit_arenas()  # before the threads that would each get one
        conf = settings or load_settings()
        configure_logging(conf)
        api_metrics = ApiMetrics()
        secrets = await start_secrets(conf, api_metrics)
        try:
            validate_priority_overrides(conf.priority_overrides)
        except ValueError as exc:
            raise ConfigError(f"PRIORITY_MAP: {exc}") from None

        def apply(notify: NotifyConfig) -> None:
            state: AppState = app.state.hookflow
            routing = routing_config(conf, repository_overrides(notify))
            state.routing = state.intake.routing = routing

        try:
            # The API routes by `repositories:` and sends nothing: url_file secrets are the
            # worker's, and need not be mounted here.
            live = LiveConfig(conf, on_change=apply, check_files=False)
        except ConfigInvalid as exc:
            raise ConfigError(f"NOTIFY_CONFIG: {exc}") from None
        engine = make_engine(conf.database_url)
        sessions = make_session_factory(engine)
        # Lazy: the API starts (and records deliveries) even while Temporal is down.
        temporal = await connect_temporal(conf, lazy=True)

        async def client() -> Client:
            return temporal

        window = conf.ingest_batch_window.total_seconds()
        batch = (
            IngestBatch(conf.database_url, window=window)
            if window > 0 and engine.dialect.name == "postgresql"
            else None
        )
        dispatcher = Dispatcher(
            sessions=sessions,
            client=client,
            task_queue=conf.temporal_task_queue,
            notify_task_queue=conf.notify_task_queue,
            interval=conf.dispatch_interval.total_seconds(),
            on_attempt=api_metrics.dispatch_attempt,
            max_attempts=conf.dispatch_max_attempts,
            max_age=conf.dispatch_max_age,
            inline_timeout=conf.dispatch_inline_timeout.total_seconds(),
            writers=batch.connections if batch is not None else None,
        )
        routing = routing_config(conf, repository_overrides(live.current()))
        rejected_cap = RejectedCap(conf.rejected_record_per_minute)
        intake = Intake(
            sessions=sessions,
            routing=routing,
            dispatcher=dispatcher,
            rejected_cap=rejected_cap,
            max_body_bytes=conf.max_body_bytes,
            ingest_batch=batch,
            on_unrecorded=api_metrics.rejected_unrecorded.inc,
        )
        app.state.hookflow = AppState(
            settings=conf,
            engine=engine,
            sessions=sessions,
            temporal=temporal,
            dispatcher=dispatcher,
            routing=routing,
            metrics=api_metrics,
            rejected_cap=rejected_cap,
            intake=intake,
            secrets=secrets,
            ingest_batch=batch,
        )
        loop_task = asyncio.create_task(dispatcher.run_forever(), name="hookflow-dispatcher")
        refresh_task = asyncio.create_task(secrets.run_forever(), name="hookflow-secrets")
        watch_task = asyncio.create_task(watch_notify_config(live), name="hookflow-notify-config")
        tasks = [loop_task, refresh_task, watch_task]
        tasks.append(asyncio.create_task(memory.trim_after_growth(), name="hookflow-memory"))
        if conf.webhook_log_files:
            event_log = EventLog(sessions=sessions, log_dir=conf.log_path, routing=routing)
            tasks.append(asyncio.create_task(event_log.run_forever(), name="hookflow-event-log"))
        # What start-up built (modules, the app, clients) lives as long as the process: out of
        # the collector's sight, a full collection under load no longer walks ~150,000 objects
        # (a pause of ~100 ms on a busy 2-core box: every request in flight waited for it).
        gc.collect()
        gc.freeze()
        log.info(
            "hookflow API ready (temporal %s, queue %s)",
            conf.temporal_address,
            conf.temporal_task_queue,
        )
        try:
            with reload_on_sighup(live):
                yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            secrets.close()
            if batch is not None:
                await batch.close()
            await engine.dispose()

    app = HookflowApp(title="hookflow", version=VERSION, lifespan=lifespan)

    @app.exception_handler(StatementError)
    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        status, body = errors.statement_error(exc)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"detail": exc.reason}, status_code=exc.status)

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(ConnectionError)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        status, body = errors.unavailable(exc)
        return JSONResponse(body, status_code=status)

    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(webhooks.router)
    app.include_router(runs.router)
    app.include_router(run_actions.router)
    app.include_router(notifications.router)
    app.include_router(silences.router)
    app.include_router(tasks.router)
    app.include_router(deliveries.router)
    app.include_router(delivery_retry.router)
    app.mount("/console", create_console(app))
    return app


app = create_app()

"""Missed-delivery recovery: read GitHub's delivery log back to a window, ask for redelivery of
what hookflow never recorded. Used by `hookflow recover` and the RECOVER_INTERVAL schedule."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from temporalio import activity

from activities.github_client import GitHubIdentity
from activities.redelivery import HookDelivery, in_window, select_redeliveries
from db.engine import SessionFactory
from db.models import WebhookEvent
from ghclient import GitHubClient, GitHubError
from routing.router import HANDLERS
from settings import Settings

log = logging.getLogger("hookflow.recover")

APP_HOOK = "app"  # the GitHub App's own webhook
ROUTED_EVENTS = frozenset(HANDLERS)


@dataclass
class RecoverInput:
    window_seconds: float
    dry_run: bool = False


@dataclass
class AskedRedelivery:
    guid: str
    event: str
    action: str | None
    delivery_id: int
    delivered_at: str
    status_code: int


@dataclass
class HookReport:
    hook: str  # "owner/repo:hook_id" or "app"
    attempts: int = 0
    guids: int = 0
    asked: list[AskedRedelivery] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass
class RecoverReport:
    since: str
    dry_run: bool
    hooks: list[HookReport] = field(default_factory=list)

    @property
    def asked(self) -> int:
        return sum(len(h.asked) for h in self.hooks)


def hook_scopes(settings: Settings) -> list[tuple[str | None, int | None]]:
    """(repo, hook id) of every hook to check; (None, None) is the GitHub App's hook."""
    scopes: list[tuple[str | None, int | None]] = list(settings.recover_hooks)
    if settings.github_app_mode:
        scopes.append((None, None))
    return scopes


async def recorded_guids(sessions: SessionFactory, guids: set[str]) -> set[str]:
    """GUIDs hookflow already holds an authenticated record of (a bad signature does not
    count: after a secret fix the redelivery is wanted)."""
    if not guids:
        return set()
    async with sessions() as session:
        query = select(WebhookEvent.delivery_id).where(
            col(WebhookEvent.delivery_id).in_(sorted(guids)),
            col(WebhookEvent.signature_valid).is_(True),
        )
        return {g for g in (await session.exec(query)).all() if g}


async def _read_window(
    github: GitHubClient, repo: str | None, hook_id: int | None, since: datetime
) -> list[HookDelivery]:
    attempts: list[HookDelivery] = []
    async for row in github.hook_deliveries(repo, hook_id):
        attempt = HookDelivery.from_api(row)
        if attempt is None:
            continue
        if not in_window(attempt, since):
            break  # newest first: the rest is older still, so no more pages are read
        attempts.append(attempt)
    return attempts


async def recover_hook(
    github: GitHubClient,
    sessions: SessionFactory,
    repo: str | None,
    hook_id: int | None,
    *,
    since: datetime,
    dry_run: bool,
) -> HookReport:
    report = HookReport(APP_HOOK if repo is None else f"{repo}:{hook_id}")
    try:
        attempts = await _read_window(github, repo, hook_id, since)
        known = await recorded_guids(sessions, {a.guid for a in attempts})
        plan = select_redeliveries(
            attempts, since=since, recorded_guids=known, routed_events=ROUTED_EVENTS
        )
        report.attempts, report.guids, report.skipped = plan.attempts, plan.guids, plan.skipped
        for attempt in plan.redeliver:
            if not dry_run:
                await github.redeliver(repo, hook_id, attempt.id)
            report.asked.append(
                AskedRedelivery(
                    attempt.guid,
                    attempt.event,
                    attempt.action,
                    attempt.id,
                    attempt.delivered_at.isoformat(),
                    attempt.status_code,
                )
            )
    except GitHubError as exc:
        report.error = str(exc)
        log.warning("recover %s: %s", report.hook, exc)
    log.info(
        "recover %s: %d attempts, %d GUIDs, %s %d, skipped %s",
        report.hook,
        report.attempts,
        report.guids,
        "would ask" if dry_run else "asked",
        len(report.asked),
        report.skipped,
    )
    return report


async def recover_missed(
    settings: Settings,
    sessions: SessionFactory,
    identity: GitHubIdentity,
    *,
    window: timedelta,
    dry_run: bool = False,
    now: datetime | None = None,
) -> RecoverReport:
    """Check every configured hook; a hook GitHub refuses is reported, the others go on."""
    since = (now or datetime.now(UTC)) - window
    report = RecoverReport(since=since.isoformat(), dry_run=dry_run)
    async with identity.client() as github:
        for repo, hook_id in hook_scopes(settings):
            report.hooks.append(
                await recover_hook(github, sessions, repo, hook_id, since=since, dry_run=dry_run)
            )
    return report


class RecoverActivities:
    def __init__(
        self, settings: Settings, sessions: SessionFactory, identity: GitHubIdentity | None = None
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._identity = identity or GitHubIdentity(settings)

    @activity.defn(name="recover.missed_deliveries")
    async def missed_deliveries(self, input: RecoverInput) -> RecoverReport:
        """Ask GitHub to redeliver what failed in the window and hookflow never recorded."""
        return await recover_missed(
            self._settings,
            self._sessions,
            self._identity,
            window=timedelta(seconds=input.window_seconds),
            dry_run=input.dry_run,
        )

"""Who may start work: the acting user's role on the repository, read from GitHub's collaborator
permission endpoint (cached for RUN_TRIGGER_PERMISSION_TTL), compared with RUN_TRIGGER_PERMISSION;
and marking a delivery whose work was refused as ignored, with the reason."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.github_client import GitHubActivities
from contract.statuses import DispatchStatus
from db.models import WebhookEvent
from ghclient.errors import GitHubNotFound
from ghclient.roles import at_least, role_of
from routing.fields import fit


@dataclass
class PermissionInput:
    repo: str
    login: str  # the delivery's sender / the comment's author


@dataclass
class PermissionVerdict:
    allowed: bool
    role: str  # the role GitHub reports ("none" when GitHub knows no such collaborator)
    needed: str  # RUN_TRIGGER_PERMISSION
    checked: bool = True  # False: no GitHub identity to ask with (nothing is written either)


@dataclass
class IgnoreDeliveryInput:
    delivery_id: str | None
    repo: str
    reason: str


class TriggerActivities(GitHubActivities):
    @cached_property
    def _cache(self) -> dict[tuple[str, str], tuple[str, float]]:
        """Roles already read: (repo, login) → (role, expiry)."""
        return {}

    async def _role(self, repo: str, login: str) -> str:
        key = (repo.lower(), login.lower())
        cached = self._cache.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        what = f"read @{login}'s permission on {repo}"
        try:
            async with self._github_call(what) as github:
                role = role_of(await github.get_permission(repo, login))
        except ApplicationError as exc:
            if not isinstance(exc.__cause__, GitHubNotFound):
                raise  # fail closed: the workflow ignores the trigger with this reason
            role = "none"  # GitHub knows no such collaborator
        ttl = self._settings.run_trigger_permission_ttl.total_seconds()
        self._cache[key] = (role, time.monotonic() + ttl)
        return role

    @activity.defn(name="trigger.check_permission")
    async def check_permission(self, input: PermissionInput) -> PermissionVerdict:
        """Whether `login` has at least RUN_TRIGGER_PERMISSION on the repository. GitHub errors
        fail the activity (the caller refuses the work); they are never read as a yes."""
        needed = self._settings.run_trigger_permission
        if not self._settings.github_configured:
            return PermissionVerdict(True, "unknown", needed, checked=False)
        if not input.login.strip():
            return PermissionVerdict(False, "none", needed)
        role = await self._role(input.repo, input.login)
        return PermissionVerdict(at_least(role, needed), role, needed)

    @activity.defn(name="trigger.ignore_delivery")
    async def ignore_delivery(self, input: IgnoreDeliveryInput) -> bool:
        """Record the reason on the delivery; its status becomes `ignored` when this work was
        all it asked for. False when there is no such delivery (a start by API or CLI)."""
        if self._sessions is None or not input.delivery_id:
            return False
        async with self._sessions() as session:
            query = select(WebhookEvent).where(
                col(WebhookEvent.delivery_id) == fit(input.delivery_id, 100),
                col(WebhookEvent.repo) == input.repo,
            )
            rows = (await session.exec(query)).all()
            if any(row.dispatch_status == DispatchStatus.PENDING for row in rows):
                # The dispatcher is still starting its plan: it would overwrite the status.
                raise ApplicationError("delivery still being dispatched; retrying")
            for row in rows:
                if row.dispatch_status == DispatchStatus.DISPATCHED and len(row.dispatch_plan) == 1:
                    row.dispatch_status = DispatchStatus.IGNORED
                row.error = f"work not started: {input.reason}"[:2000]
                session.add(row)
            await session.commit()
        return bool(rows)

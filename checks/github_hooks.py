"""The webhook checks: a hook points at API_PUBLIC_URL, is active, sends JSON with every event
hookflow routes, and signs with a secret hookflow holds (repository hooks, or the App's hook)."""

from __future__ import annotations

from typing import Any

from checks.github_access import GitHubAccess
from checks.hook_secret import check_hook_secret
from checks.result import Check, fail, ok, warn
from routing.router import HANDLERS
from settings import ConfigError

# What stops working when GitHub does not send an event (the router's keys are the events).
EVENT_FEATURES = {
    "issues": "ai:run runs, issue notifications, blocked tasks",
    "workflow_run": "CI notifications and CI-failure issues",
    "check_suite": "an AI run's CI verdict",
    "check_run": "check-run notifications",
    "pull_request": "pull-request notifications, merged-PR closings",
    "push": "push notifications",
    "issue_comment": "/hookflow commands",
    "pull_request_review": "review feedback to AI runs",
}


def routed_events() -> list[str]:
    return sorted(HANDLERS)


def hookflow_urls(public_url: str, repo: str | None) -> dict[str, str]:
    """Payload URLs that reach this hookflow → which secret verifies them (`shared` or the
    repository of a per-repository URL)."""
    base = public_url.strip().rstrip("/")
    urls = {base: "shared", f"{base}/api/webhooks/github": "shared"}
    if repo is not None:
        urls[f"{base}/webhook/{repo}"] = repo
    return urls


def _norm(url: str) -> str:
    return url.strip().rstrip("/")


def secrets_for(access: GitHubAccess, kind: str) -> list[tuple[str, bytes]]:
    """The labelled secrets that verify deliveries to a URL of `kind` (see hookflow_urls)."""
    settings = access.settings
    try:
        if kind != "shared" and kind in settings.repo_secrets:
            repo_secrets = settings.repo_secrets[kind]
            return [(f"GITHUB_WEBHOOK_REPO_SECRETS[{kind}]", s) for s in repo_secrets]
        labels = ("GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET_PREVIOUS")
        return list(zip(labels, settings.webhook_secrets, strict=False))
    except ConfigError:
        return []  # unreadable or blank: the webhook secret check says which


def _problems(hook: dict[str, Any], events: list[str]) -> list[str]:
    found = []
    if not hook.get("active", True):
        found.append("it is inactive (GitHub sends nothing)")
    content_type = (hook.get("config") or {}).get("content_type", "json")
    if content_type != "json":
        found.append(f"content type is {content_type} (hookflow reads application/json)")
    sent = set(events)
    if "*" not in sent:
        missing = [e for e in routed_events() if e not in sent]
        if missing:
            lost = ", ".join(
                f"{e} ({EVENT_FEATURES.get(e, 'routed by hookflow')})" for e in missing
            )
            found.append(f"it lacks events {lost}")
    return found


def _config_check(name: str, hook_url: str, hook: dict[str, Any], events: list[str]) -> Check:
    problems = _problems(hook, events)
    if problems:
        return fail(
            name,
            f"the hook to {hook_url}: " + "; ".join(problems),
            "edit the hook: active, content type application/json, and the events "
            + ", ".join(routed_events()),
        )
    return ok(name, f"{hook_url}, active, json, events {', '.join(sorted(set(events)))}")


async def check_repo_hook(access: GitHubAccess, repo: str, *, ping: bool) -> list[Check]:
    name = f"github {repo} hook"
    urls = hookflow_urls(access.settings.api_public_url, repo)
    answer = await access.api.send("GET", f"/repos/{repo}/hooks", ok_statuses=(403, 404))
    if answer.status_code != 200:
        return [
            warn(
                name,
                f"cannot list the hooks of {repo} (HTTP {answer.status_code})",
                "give the token Webhooks: read (classic: admin:repo_hook) to check them, "
                "or check the hook by hand",
            )
        ]
    hooks = [h for h in answer.json() if _norm(str((h.get("config") or {}).get("url", ""))) in urls]
    if not hooks:
        main_url = f"{_norm(access.settings.api_public_url)}/api/webhooks/github"
        return [
            fail(
                name,
                f"no hook of {repo} points at {main_url}",
                "add one (README: Point GitHub at it), content type json, events "
                + ", ".join(routed_events()),
            )
        ]
    hook = max(hooks, key=lambda h: (bool(h.get("active")), int(h.get("id", 0))))
    hook_url = _norm(str(hook["config"]["url"]))
    checks = [_config_check(name, hook_url, hook, list(hook.get("events") or []))]
    base = f"/repos/{repo}/hooks/{int(hook['id'])}"
    checks.append(
        await check_hook_secret(
            access.api,
            f"{name} secret",
            deliveries=f"{base}/deliveries",
            secrets=secrets_for(access, urls[hook_url]),
            ping=f"{base}/pings" if ping else None,
        )
    )
    return checks


async def check_app_hook(access: GitHubAccess) -> list[Check]:
    """The App's own webhook: one for every installation."""
    name = "github app hook"
    assert access.app_api is not None
    config = (await access.app_api.send("GET", "/app/hook/config")).json()
    hook_url = _norm(str(config.get("url") or ""))
    urls = hookflow_urls(access.settings.api_public_url, None)
    if hook_url not in urls:
        return [
            fail(
                name,
                f"the App's webhook URL is {hook_url or 'not set'}, not hookflow's",
                f"set it to {_norm(access.settings.api_public_url)}/api/webhooks/github "
                "in the App's settings",
            )
        ]
    events = list((access.app_info or {}).get("events") or [])
    hook = {"active": True, "config": config}
    checks = [_config_check(name, hook_url, hook, events)]
    checks.append(
        await check_hook_secret(
            access.app_api,
            f"{name} secret",
            deliveries="/app/hook/deliveries",
            secrets=secrets_for(access, "shared"),
        )
    )
    return checks

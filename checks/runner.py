"""Run every check of `hookflow check` and keep their order: configuration first, then the
connections (database, Temporal, GitHub, sinks, the agent sandbox), checked concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from checks.agent import check_agent
from checks.config import check_config
from checks.database import check_database
from checks.github import check_github
from checks.result import Check, exit_status, render_json, render_text
from checks.sinks import check_sinks
from checks.temporal import check_temporal
from settings import ConfigError, Settings


async def run_checks(settings: Settings, *, repos: list[str], ping: bool = False) -> list[Check]:
    """Every check after loading (`checks.config.load` reports the settings themselves)."""
    checks = check_config(settings)
    database, temporal, github, sinks, agent = await asyncio.gather(
        check_database(settings),
        check_temporal(settings),
        check_github(settings, repos, ping=ping),
        check_sinks(settings),
        asyncio.to_thread(check_agent, settings),  # the sandbox probe starts a process
    )
    return [*checks, database, *temporal, *github, *sinks, agent]


async def report(
    settings: Settings,
    *,
    repos: list[str],
    ping: bool = False,
    as_json: bool = False,
    loaded: Sequence[Check] = (),
) -> tuple[int, str]:
    """The exit status and the printed report of `hookflow check`; `loaded` are the checks of
    loading the settings (see checks.config.load)."""
    checks = [*loaded, *await run_checks(settings, repos=repos, ping=ping)]
    render = render_json if as_json else render_text
    return exit_status(checks), render(checks, secret_values(settings))


def secret_values(settings: Settings) -> list[str]:
    """Every secret value the report must never show. (The database check prints its URL with
    the password hidden: masking the password everywhere would also mask the default
    `hookflow`, the project's own name.)"""
    values: list[str] = []
    try:
        values += settings.secret_values()
    except ConfigError:
        pass  # a broken secret is reported by the configuration check
    for read in (settings.github_app_private_key_value, settings.llm_api_key_value):
        try:
            value = read()
        except ConfigError:
            continue
        if value:
            values.append(value)
    return values

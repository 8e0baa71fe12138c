"""The test run's plugins (tests/support/) and its collection hooks: modules longest first for
pytest-xdist, and no quiet skip where CI promises every tool."""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

from tests.support.required_tools import fail_skip

pytest_plugins = [
    "tests.support.servers",  # PostgreSQL and Temporal, shared by the xdist workers
    "tests.support.app",  # settings, sessions, worker, api
    "tests.support.unit_guard",  # tests/unit/ needs no service and starts no process
    "tests.support.record_histories",  # --record-histories
    "tests.support.ai_run",  # the AI run stack: fake_github, bare, run_stack_settings
    "tests.support.notifications",  # maestro, chat, notify_settings, ci
    "tests.support.github_repo",  # github, repo, github_settings
    "tests.support.ghclient",  # shared_github, gh (GitHubClient tests)
    "tests.support.agent_fakes",  # agent_server, llm, api_port
    "tests.support.check_github",  # checks_github, public_url (hookflow check)
    "tests.support.github_app",  # app_key, app_github, app_identity
    "tests.support.own_postgres",  # own_postgres
    "tests.support.own_temporal",  # dev_server
]

# Rough seconds a test takes by what it sets up: a Temporal worker runs a workflow end to end,
# the API serves requests with its dispatcher, a bare test calls functions. A `slow` test (a
# fault injection, a browser) takes a minute or more.
_SECONDS_BY_FIXTURE = (("worker", 4.0), ("api", 1.5), ("temporal_env", 2.0), ("database_url", 0.5))


def _estimated_seconds(item: pytest.Item) -> float:
    if item.get_closest_marker("slow"):
        return 90.0
    names = set(getattr(item, "fixturenames", ()))
    return next((s for fixture, s in _SECONDS_BY_FIXTURE if fixture in names), 0.05)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules longest first by estimate: pytest-xdist hands out whole modules in this order
    (`--no-loadscope-reorder`), so the minute-long fault tests run beside the rest instead of
    after it, and the processes finish close together."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def weight(tests: list[pytest.Item]) -> float:
        return -sum(_estimated_seconds(t) for t in tests)

    items[:] = [item for tests in sorted(modules.values(), key=weight) for item in tests]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    fail_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    fail_skip(report)  # a module-level importorskip
    return report


def pytest_report_header(config: pytest.Config) -> str:
    return f"hookflow tests: real PostgreSQL + Temporal dev server (cwd {os.getcwd()})"

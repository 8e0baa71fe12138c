"""A hostile command agent under the default RUN_AGENT_NETWORK=proxy on the real stack (bubblewrap,
Temporal, PostgreSQL, the fake GitHub): it reaches none of hookflow's services, directly or
through the proxy by any name, reaches the one host listed exactly, and the run's `network`
artifact and final comment name what was refused."""

from __future__ import annotations

import json
import shlex
import socket
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.engine import SessionFactory
from tests.support.ai_run import AGENT_PYTHON, REPO, artifacts, label_issue, run_settings, wait_run
from tests.support.allowed_host import allowed_host
from tests.support.fakes import FakeGitHub
from tests.support.files import ROOT
from tests.support.services import PostgresAddress

AGENTS = ROOT / "tests" / "support" / "agents"


@pytest.fixture
def allowed() -> Iterator[ThreadingHTTPServer]:
    with allowed_host() as server:
        yield server


@pytest.fixture
def plan(
    fake_github: FakeGitHub,
    postgres: PostgresAddress,
    temporal_address: str,
    allowed: ThreadingHTTPServer,
    api_port: int,
) -> dict[str, Any]:
    temporal_port = int(temporal_address.rsplit(":", 1)[1])
    github_port = fake_github.port  # another HTTP service on the worker's host
    return {
        "direct": [api_port, temporal_port, postgres.port, github_port],
        "connect": [
            f"127.0.0.1:{temporal_port}",
            f"localhost:{temporal_port}",
            "localhost:443",
            "[::1]:443",
            f"{socket.gethostname()}:443",
            f"127.0.0.1:{github_port}",
            f"127.0.0.1:{api_port}",
        ],
        "allowed": f"127.0.0.1:{allowed.server_address[1]}",
    }


@pytest.fixture
def settings_overrides(
    fake_github: FakeGitHub, tmp_path: Path, plan: dict[str, Any]
) -> dict[str, Any]:
    command = [AGENT_PYTHON, str(AGENTS / "network_agent.py"), json.dumps(plan)]
    return run_settings(
        fake_github,
        tmp_path,
        run_phases="qualify",
        run_agent_command=shlex.join(command),
        run_agent_bind=str(AGENTS),
        # Listed by name: allowed, but they resolve to loopback, so still refused; Temporal
        # listed exactly is refused all the same (hookflow's own service).
        run_agent_allow_hosts=(
            f"{plan['allowed']}, localhost, {socket.gethostname()}, {plan['connect'][1]}"
        ),
    )


async def test_hostile_agent_reaches_only_the_listed_host_and_the_run_says_what_was_refused(
    api: httpx.AsyncClient,
    worker: Any,
    sessions: SessionFactory,
    fake_github: FakeGitHub,
    bare: Path,
    plan: dict[str, Any],
    allowed: ThreadingHTTPServer,
) -> None:
    number, run_id = await label_issue(api, fake_github, bare)
    run = await wait_run(sessions, run_id, status={"SUCCEEDED", "FAILED"})
    assert run.status == "SUCCEEDED", run.error

    found = await artifacts(sessions, run_id)
    seen = json.loads(found["qualify"].content)
    assert seen["direct"] == {str(p): False for p in plan["direct"]}
    for target in plan["connect"]:
        assert seen["connect"][target].startswith("HTTP/1.1 403 Forbidden"), target
    assert "is hookflow's own service" in seen["connect"][plan["connect"][1]]
    assert seen["allowed_http"] == "allowed host saw /plain"
    assert seen["allowed_connect"].endswith("allowed host saw /through-tunnel")
    assert allowed.paths == ["/plain", "/through-tunnel"]  # type: ignore[attr-defined]

    network = json.loads(found["network"].content)
    assert set(network["refused"]) == set(plan["connect"])
    [phase] = network["phases"]
    verdicts = {(c["host"], c["port"], c["verdict"]) for c in phase["connections"]}
    assert ("127.0.0.1", allowed.server_address[1], "allowed") in verdicts
    assert phase["phase"] == "qualify" and len(phase["connections"]) == len(plan["connect"]) + 2

    [final] = [c["body"] for c in fake_github.comments(REPO, number) if "finished" in c["body"]]
    assert "were refused" in final
    for target in plan["connect"]:
        assert f"`{target}`" in final
    assert plan["allowed"] not in final

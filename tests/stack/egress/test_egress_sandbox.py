"""The default RUN_AGENT_NETWORK=proxy with real bubblewrap: the agent has only loopback, reaches
no port of the worker's host directly, reaches through HTTPS_PROXY the one exactly listed host,
and every other request (hookflow's own ports, loopback names, the host's own name) is refused
and logged."""

from __future__ import annotations

import json
import shlex
import socket
from pathlib import Path
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.agent import AgentActivities, PhaseInput
from settings import load_settings
from tests.support.ai_run import AGENT_PYTHON
from tests.support.allowed_host import allowed_host
from tests.support.files import ROOT
from tests.support.services import PostgresAddress

AGENTS = ROOT / "tests" / "support" / "agents"


async def run_network_agent(tmp_path: Path, plan: dict[str, Any], **settings: Any) -> Any:
    """One phase of tests/support/agents/network_agent.py following `plan`, in its sandbox under
    the default RUN_AGENT_NETWORK=proxy; the activity's product."""
    command = [AGENT_PYTHON, str(AGENTS / "network_agent.py"), json.dumps(plan)]
    loaded = load_settings(
        run_agent="command",
        run_workspace_dir=tmp_path / "workspaces",
        run_agent_bind=str(AGENTS),
        run_agent_command=shlex.join(command),
        **settings,
    )
    data = PhaseInput("run-1", "plan", 1, {"repo": "octo/demo"}, {}, None)
    return await ActivityEnvironment().run(AgentActivities(loaded).produce, data)


async def test_proxy_mode_allows_only_the_listed_host(
    tmp_path: Path, postgres: PostgresAddress, temporal_address: str, api_port: int
) -> None:
    temporal_port = int(temporal_address.rsplit(":", 1)[1])
    with allowed_host() as server:
        port = server.server_address[1]
        hostname = socket.gethostname()  # resolves to the worker itself
        plan: dict[str, Any] = {
            "direct": [api_port, postgres.port, temporal_port, port],
            "connect": [
                f"127.0.0.1:{temporal_port}",
                f"127.0.0.1:{postgres.port}",
                "localhost:443",
                "[::1]:443",
                f"{hostname}:443",
                "2130706433:443",  # 127.0.0.1 spelled as a number
                f"localhost:{port}",  # the allowed server under another name
            ],
            "allowed": f"127.0.0.1:{port}",
        }
        allow = f"127.0.0.1:{port}, localhost, {hostname}, 2130706433"
        product = await run_network_agent(tmp_path, plan, run_agent_allow_hosts=allow)
    seen = product.artifact
    assert seen["env"]["HTTPS_PROXY"] == "http://127.0.0.1:3128" and seen["env"]["NO_PROXY"] == ""
    assert seen["direct"] == {str(p): False for p in plan["direct"]}
    for target, answer in seen["connect"].items():
        assert answer.startswith("HTTP/1.1 403 Forbidden"), (target, answer)
    assert "not in RUN_AGENT_ALLOW_HOSTS" in seen["connect"][f"127.0.0.1:{temporal_port}"]
    for name in ("localhost:443", f"{hostname}:443", "2130706433:443"):
        assert "resolves to 127.0.0.1" in seen["connect"][name], name
    assert seen["allowed_http"] == "allowed host saw /plain"
    assert seen["allowed_connect"].endswith("allowed host saw /through-tunnel")
    assert server.paths == ["/plain", "/through-tunnel"]  # type: ignore[attr-defined]

    log = product.network
    refused = log.refused()
    assert set(refused) == set(plan["connect"])
    allowed = [e for e in log.entries if e.verdict == "allowed"]
    assert [(e.host, e.port, e.address) for e in allowed] == [("127.0.0.1", port, "127.0.0.1")] * 2
    assert all(e.bytes_in > 0 and e.bytes_out > 0 for e in allowed)


async def test_proxy_mode_with_an_empty_allow_list_reaches_nothing(tmp_path: Path) -> None:
    with allowed_host() as server:
        port = server.server_address[1]
        plan = {"direct": [port], "connect": [], "allowed": f"127.0.0.1:{port}"}
        product = await run_network_agent(tmp_path, plan)
    seen = product.artifact
    assert seen["direct"] == {str(port): False}
    assert seen["allowed_http"].startswith("error: HTTP Error 403")
    assert seen["allowed_connect"].startswith("HTTP/1.1 403 Forbidden")
    assert server.paths == []  # type: ignore[attr-defined]

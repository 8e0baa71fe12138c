"""The egress proxy around one sandboxed command-agent phase (RUN_AGENT_NETWORK=proxy): its policy
from the settings (RUN_AGENT_ALLOW_HOSTS; hookflow's own services refused), its socket, its log."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from temporalio.exceptions import ApplicationError

from egress.allowlist import split_host_port
from egress.launch import EgressLaunch, prepare_launch
from egress.own_addresses import own_addresses
from egress.policy import EgressPolicy
from egress.proxy import EgressProxy
from settings import Settings

_UNIX_PATH_MAX = 107


def service_hosts(settings: Settings) -> list[str]:
    """Hosts of hookflow's own services: Temporal (no authentication in most deployments),
    the database and the public API. An agent reaches none of them, even by a listed name."""
    hosts = []
    with contextlib.suppress(ValueError):
        hosts.append(split_host_port(settings.temporal_address)[0])
    for url in (settings.database_url, settings.api_public_url):
        with contextlib.suppress(ValueError):
            hosts.append(urlsplit(url).hostname or "")
    return [h for h in hosts if h]


@dataclass
class PhaseEgress:
    launch: EgressLaunch
    proxy: EgressProxy


@contextlib.asynccontextmanager
async def phase_egress(settings: Settings, phase: str) -> AsyncIterator[PhaseEgress]:
    """Serve the egress proxy for one phase; every connection is closed when the block ends."""
    own = await asyncio.to_thread(own_addresses, service_hosts(settings))
    policy = EgressPolicy(settings.run_agent_allow_entries, own)
    # Its own directory, not the agent's scratch: nothing the agent can write to.
    with tempfile.TemporaryDirectory(prefix="hookflow-egress-") as folder:
        launch = prepare_launch(Path(folder))
        if len(str(launch.socket_path)) > _UNIX_PATH_MAX:
            raise ApplicationError(
                f"egress proxy socket path too long for a Unix socket: {launch.socket_path} "
                "(set TMPDIR to a shorter directory)",
                type="SandboxUnavailable",
                non_retryable=True,
            )
        async with EgressProxy(policy, launch.socket_path, phase=phase) as proxy:
            yield PhaseEgress(launch, proxy)

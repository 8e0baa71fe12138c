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
from egress.own_addresses import own_addresses, resolve_endpoints
from egress.policy import EgressPolicy
from egress.proxy import EgressProxy
from settings import Settings

_UNIX_PATH_MAX = 107


def service_endpoints(settings: Settings) -> list[tuple[str, int]]:
    """hookflow's own services: Temporal (no authentication in most deployments), the
    database and the public API. An agent reaches none of them, even when listed."""
    found: list[tuple[str, int]] = []
    with contextlib.suppress(ValueError):
        host, port = split_host_port(settings.temporal_address, 7233)
        found.append((host, port or 7233))
    for url, default in ((settings.database_url, 5432), (settings.api_public_url, 443)):
        with contextlib.suppress(ValueError):
            parts = urlsplit(url)
            if parts.hostname:
                found.append((parts.hostname, parts.port or default))
    return found


def _policy(settings: Settings) -> EgressPolicy:
    """Blocking (DNS): run off the event loop."""
    endpoints = service_endpoints(settings)
    own = own_addresses(host for host, _ in endpoints)
    own_ports = (settings.webhook_port, settings.worker_metrics_port)
    services = resolve_endpoints(endpoints, own, own_ports)
    return EgressPolicy(settings.run_agent_allow_entries, own, services=services)


@dataclass
class PhaseEgress:
    launch: EgressLaunch
    proxy: EgressProxy


@contextlib.asynccontextmanager
async def phase_egress(settings: Settings, phase: str) -> AsyncIterator[PhaseEgress]:
    """Serve the egress proxy for one phase; every connection is closed when the block ends."""
    policy = await asyncio.to_thread(_policy, settings)
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

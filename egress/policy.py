"""The egress decision for one request: listed? resolved by the proxy itself, to which checked
address? The address decided here is the one connected to, so DNS cannot change it later."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from egress.addresses import IPAddress, address_problem, parse_address
from egress.allowlist import AllowEntry, matching_entry, normalize_host

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
RESOLVE_TIMEOUT = 10.0
NOT_LISTED = "not in RUN_AGENT_ALLOW_HOSTS"
INVALID_HOST = "(not a host name)"


@dataclass(frozen=True)
class Decision:
    host: str  # normalised
    port: int
    allowed: bool
    reason: str = ""
    address: IPAddress | None = None


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    answers = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
    )
    found: list[IPAddress] = []
    for info in answers:
        address = parse_address(str(info[4][0]))
        if address is not None and address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class EgressPolicy:
    entries: tuple[AllowEntry, ...]
    own: frozenset[IPAddress] = frozenset()
    resolver: Resolver = system_resolver
    # hookflow's own services (Temporal, PostgreSQL, its API): refused even when listed.
    services: frozenset[tuple[IPAddress, int]] = frozenset()

    async def decide(self, host: str, port: int) -> Decision:
        try:
            name = normalize_host(host)
        except ValueError as exc:
            # Never echo the agent's text as a host (it is listed in public comments).
            return Decision(INVALID_HOST, port, False, str(exc)[:300])
        entry = matching_entry(self.entries, name, port)
        if entry is None:
            return Decision(name, port, False, NOT_LISTED)
        try:
            addresses = await self.resolver(name, port)
        except (OSError, TimeoutError, UnicodeError) as exc:
            return Decision(name, port, False, f"does not resolve ({exc})")
        if not addresses:
            return Decision(name, port, False, "does not resolve")
        for address in addresses:
            if (address, port) in self.services:
                return Decision(name, port, False, f"{address}:{port} is hookflow's own service")
        if entry.exact:  # listed as exactly this host:port: wherever it is
            return Decision(name, port, True, f"listed as {entry}", addresses[0])
        for address in addresses:
            problem = address_problem(address, self.own)
            if problem is not None:
                return Decision(
                    name,
                    port,
                    False,
                    f"resolves to {address} ({problem}); only an exact host:port entry "
                    "may reach such an address",
                )
        return Decision(name, port, True, f"listed as {entry}", addresses[0])

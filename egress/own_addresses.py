"""The worker's own addresses (its interfaces, its host name, hookflow's services), which the
egress proxy refuses whatever they look like (blocking: call it off the event loop)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from pathlib import Path

from egress.addresses import IPAddress, parse_address

_FIB_LOCAL = re.compile(r"\|--\s+(\d+\.\d+\.\d+\.\d+)\s*\n\s*/32 host LOCAL")


def interface_addresses(proc_net: Path = Path("/proc/net")) -> set[IPAddress]:
    """Local IPv4 addresses from fib_trie and IPv6 ones from if_inet6 (Linux)."""
    found: set[IPAddress] = set()
    try:
        found.update(
            a
            for a in map(parse_address, _FIB_LOCAL.findall((proc_net / "fib_trie").read_text()))
            if a is not None
        )
    except OSError:
        pass
    try:
        for line in (proc_net / "if_inet6").read_text().splitlines():
            raw = line.split()[0] if line.split() else ""
            if len(raw) == 32:
                address = parse_address(":".join(raw[i : i + 4] for i in range(0, 32, 4)))
                if address is not None:
                    found.add(address)
    except OSError:
        pass
    return found


def resolve_all(host: str) -> set[IPAddress]:
    try:
        answers = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return set()
    return {a for a in (parse_address(str(info[4][0])) for info in answers) if a is not None}


def resolve_endpoints(
    endpoints: Iterable[tuple[str, int]], own: Iterable[IPAddress], own_ports: Iterable[int]
) -> frozenset[tuple[IPAddress, int]]:
    """(address, port) of each service endpoint, and every own address with each own port."""
    found = {(a, port) for host, port in endpoints for a in resolve_all(host)}
    found |= {(a, port) for a in own for port in own_ports if port}
    return frozenset(found)


def own_addresses(service_hosts: Iterable[str] = ()) -> frozenset[IPAddress]:
    """Interfaces, the host name's addresses and those of `service_hosts` (Temporal, the
    database, the API): an agent must reach none of them, even on a public address."""
    found = interface_addresses()
    for host in {socket.gethostname(), *service_hosts}:
        if host:
            found |= resolve_all(host)
    return frozenset(found)

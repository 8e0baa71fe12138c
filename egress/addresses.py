"""Which resolved addresses the egress proxy may connect to: public unicast only, never the
worker's own (loopback, private, link-local, metadata, … are refused). Pure: no DNS, no sockets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance-metadata services (credentials live there): named, so the refusal says so.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, …
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64, IPv4-compatible): a router
    or the kernel may deliver to it, so it is checked as well."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _kind(address: IPAddress) -> str | None:
    if address in METADATA:
        return "a cloud metadata address"
    for kind in ("loopback", "unspecified", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    if not address.is_global:
        return "not a public address"
    return None


def address_problem(address: IPAddress, own: Iterable[IPAddress] = ()) -> str | None:
    """None when the proxy may connect to `address`; else why not ("loopback", "private", …)."""
    inner = embedded_ipv4(address)
    if inner is not None:
        kind = _kind(inner)
        if kind is not None:
            return f"{kind} (inside {address})"
    mapped = isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None
    kind = None if mapped else _kind(address)  # ::ffff:a.b.c.d is a.b.c.d
    if kind is not None:
        return kind
    owned = frozenset(own)
    if address in owned or (inner is not None and inner in owned):
        return "the worker's own address"
    return None


def parse_address(text: str) -> IPAddress | None:
    """An IP address from a resolver's answer (IPv6 scope ids dropped), or None."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None

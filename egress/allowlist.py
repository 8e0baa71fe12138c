"""RUN_AGENT_ALLOW_HOSTS: which host:port pairs an agent may ask the egress proxy for. Pure.

Entries are `host` (ports 80 and 443), `host:port`, `*.domain` (any name below `domain`, ports 80
and 443) and `*.domain:port`; IPv6 literals in brackets (`[2001:db8::1]:8443`). Only an exact
`host:port` entry may lead to a loopback, private, link-local or the worker's own address.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_PORTS = (80, 443)
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class AllowEntry:
    host: str  # normalised; "*.example.com" for a wildcard; IPv6 without brackets
    port: int | None  # None: DEFAULT_PORTS

    @property
    def wildcard(self) -> bool:
        return self.host.startswith("*.")

    @property
    def exact(self) -> bool:
        """One named host and one port: the operator asked for exactly this pair, so it may
        resolve to a non-public address (a model server on the worker's network)."""
        return not self.wildcard and self.port is not None

    def matches(self, host: str, port: int) -> bool:
        """`host` must already be normalised (normalize_host)."""
        if port not in ((self.port,) if self.port is not None else DEFAULT_PORTS):
            return False
        if self.wildcard:
            suffix = self.host[1:]  # ".example.com"
            return host.endswith(suffix) and len(host) > len(suffix)
        return host == self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


def normalize_host(host: str) -> str:
    """Lower case, no trailing dot, IPv6 without brackets and in canonical form, names in their
    IDNA (punycode) form; ValueError for anything that is not a host name or IP address."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    text = text.rstrip(".").lower()
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"not a host name: {host!r}") from None
    labels = text.split(".")
    if not text or len(text) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"not a host name: {host!r}")
    return text


def split_host_port(authority: str, default_port: int | None = None) -> tuple[str, int | None]:
    """`host`, `host:port`, `[v6]`, `[v6]:port` → (host, port); ValueError when malformed."""
    text = authority.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"unclosed '[' in {authority!r}")
        host, rest = text[1:end], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError(f"unexpected text after ']' in {authority!r}")
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    elif ":" in text:  # a bare IPv6 literal
        host, port_text = text, None
    else:
        host, port_text = text, None
    if port_text is None:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"not a port: {port_text!r} in {authority!r}")
    return host, int(port_text)


def parse_entry(text: str) -> AllowEntry:
    host, port = split_host_port(text)
    wildcard = host.startswith("*.")
    name = normalize_host(host[2:] if wildcard else host)
    if wildcard and "." not in name:
        raise ValueError(f"{text!r}: a wildcard needs a domain with a dot (e.g. *.example.com)")
    return AllowEntry(f"*.{name}" if wildcard else name, port)


def parse_allow_hosts(text: str) -> tuple[AllowEntry, ...]:
    """The comma (or whitespace) separated list; ValueError naming the first bad entry."""
    entries = []
    for item in re.split(r"[,\s]+", text.strip()):
        if not item:
            continue
        try:
            entries.append(parse_entry(item))
        except ValueError as exc:
            raise ValueError(
                f"RUN_AGENT_ALLOW_HOSTS entry {item!r} is not host, host:port or *.domain: {exc}"
            ) from None
    return tuple(entries)


def matching_entry(entries: Iterable[AllowEntry], host: str, port: int) -> AllowEntry | None:
    """The entry allowing `host:port` (an exact one before a wider one), or None."""
    found = [e for e in entries if e.matches(host, port)]
    return next((e for e in found if e.exact), found[0] if found else None)

"""The egress proxy on its Unix socket (traffic to loopback only): CONNECT tunnels and plain HTTP
reach an exactly listed local server, everything else is refused with a 403 that says why, and
every connection is in the log with its bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from egress.allowlist import parse_allow_hosts
from egress.netlog import merge_artifact
from egress.policy import EgressPolicy
from egress.proxy import EgressProxy


class Upstream:
    """A loopback HTTP server that answers every request with what it received."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        body = b"hello from upstream: " + head.split(b"\r\n", 1)[0]
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (len(body), body)
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    server = Upstream()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    yield server
    listener.close()


@pytest.fixture
async def proxy(tmp_path: Path, upstream: Upstream) -> AsyncIterator[EgressProxy]:
    entries = parse_allow_hosts(f"127.0.0.1:{upstream.port}, localhost")
    async with EgressProxy(EgressPolicy(entries), tmp_path / "p.sock", phase="plan") as running:
        yield running


async def ask(proxy: EgressProxy, request: bytes) -> bytes:
    reader, writer = await asyncio.open_unix_connection(str(proxy.path))
    writer.write(request)
    await writer.drain()
    if request.startswith(b"CONNECT"):
        status = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in status.split(b"\r\n", 1)[0]:
            rest = await reader.read()
            writer.close()
            return status + rest
        writer.write(b"GET /inside HTTP/1.1\r\nHost: upstream\r\n\r\n")
        await writer.drain()
        answer = status + await reader.read()
    else:
        answer = await reader.read()
    writer.close()
    return answer


async def test_connect_tunnel_reaches_an_exactly_listed_loopback_server(
    proxy: EgressProxy, upstream: Upstream
) -> None:
    answer = await ask(proxy, b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n" % upstream.port)
    assert answer.startswith(b"HTTP/1.1 200 Connection established")
    assert b"hello from upstream: GET /inside HTTP/1.1" in answer
    [entry] = proxy.log.entries
    assert (entry.host, entry.port, entry.verdict, entry.address) == (
        "127.0.0.1",
        upstream.port,
        "allowed",
        "127.0.0.1",
    )
    assert entry.bytes_out > 30 and entry.bytes_in > 50 and entry.seconds >= 0


async def test_plain_http_is_forwarded_one_request_without_proxy_headers(
    proxy: EgressProxy, upstream: Upstream
) -> None:
    request = (
        b"GET http://127.0.0.1:%d/path?q=1 HTTP/1.1\r\nHost: not-listed.example\r\n"
        b"Proxy-Authorization: Basic c2VjcmV0\r\nProxy-Connection: keep-alive\r\n"
        b"Accept: text/plain\r\n\r\n" % upstream.port
    )
    answer = await ask(proxy, request)
    assert b"hello from upstream: GET /path?q=1 HTTP/1.1" in answer
    [head] = upstream.heads
    assert b"Proxy-" not in head and b"Connection: close" in head and b"Accept: text/plain" in head
    # The Host the upstream sees is the checked one, never the agent's.
    assert b"Host: 127.0.0.1:%d\r\n" % upstream.port in head and b"not-listed" not in head
    assert proxy.log.entries[0].method == "GET"


@pytest.mark.parametrize(
    ("request_line", "reason"),
    [
        (b"CONNECT 127.0.0.1:7233 HTTP/1.1", b"not in RUN_AGENT_ALLOW_HOSTS"),
        (b"CONNECT localhost:443 HTTP/1.1", b"resolves to 127.0.0.1 (loopback)"),
        (b"CONNECT [::1]:443 HTTP/1.1", b"not in RUN_AGENT_ALLOW_HOSTS"),
        (b"GET http://localhost/ HTTP/1.1", b"(loopback)"),
        (b"CONNECT example.org:443 HTTP/1.1", b"not in RUN_AGENT_ALLOW_HOSTS"),
        (b"CONNECT `@team](x):443 HTTP/1.1", b"(not a host name):443 refused"),
    ],
)
async def test_refused_requests_get_403_with_the_reason_and_are_logged(
    proxy: EgressProxy, upstream: Upstream, request_line: bytes, reason: bytes
) -> None:
    answer = await ask(proxy, request_line + b"\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 403 Forbidden") and reason in answer
    assert upstream.heads == []
    [entry] = proxy.log.entries
    assert entry.verdict == "refused" and entry.bytes_in == entry.bytes_out == 0
    assert proxy.log.refused() == [entry.target]


@pytest.mark.parametrize(
    "raw",
    [
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",  # origin-form: not a proxy request
        b"CONNECT 127.0.0.1 HTTP/1.1\r\n\r\n",  # no port
        b"GET https://127.0.0.1/ HTTP/1.1\r\n\r\n",  # https needs CONNECT
        b"hello\r\n\r\n",
    ],
)
async def test_malformed_requests_get_400_and_reach_nothing(
    proxy: EgressProxy, upstream: Upstream, raw: bytes
) -> None:
    answer = await ask(proxy, raw)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request") and upstream.heads == []
    assert proxy.log.entries == []


async def test_closing_the_proxy_ends_open_tunnels(tmp_path: Path) -> None:
    hold = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hold.wait()

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    entries = parse_allow_hosts(f"127.0.0.1:{port}")
    async with EgressProxy(EgressPolicy(entries), tmp_path / "p.sock") as proxy:
        reader, writer = await asyncio.open_unix_connection(str(proxy.path))
        writer.write(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\nping" % port)
        assert b" 200 " in await reader.readuntil(b"\r\n\r\n")
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the proxy
    assert not (tmp_path / "p.sock").exists()
    assert proxy.log.entries[0].bytes_out == 4
    hold.set()
    listener.close()


def test_network_artifact_appends_phases_and_lists_refused_once() -> None:
    from egress.netlog import Connection, NetworkLog

    first = NetworkLog(phase="plan")
    first.add(Connection("evil.example", 443, "refused", "not listed"))
    second = NetworkLog(phase="implement")
    second.add(Connection("evil.example", 443, "refused", "not listed"))
    second.add(Connection("api.openai.com", 443, "allowed"))
    merged = merge_artifact(merge_artifact(None, first), second)
    assert [p["phase"] for p in merged["phases"]] == ["plan", "implement"]
    assert merged["refused"] == ["evil.example:443"]
    assert merged["phases"][1]["connections"][1]["verdict"] == "allowed"

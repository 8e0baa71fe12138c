"""The egress proxy: an asyncio HTTP proxy on a Unix socket (CONNECT tunnels for HTTPS, plain
HTTP forwarded one request per connection) that lets through only what EgressPolicy allows,
to the address the policy checked, and logs every connection."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from urllib.parse import urlsplit

from egress.allowlist import split_host_port
from egress.netlog import Connection, NetworkLog
from egress.policy import EgressPolicy

HEAD_LIMIT = 64 * 1024
HEAD_TIMEOUT = 30.0
CONNECT_TIMEOUT = 15.0
MAX_CONNECTIONS = 128
CHUNK = 65536
# Dropped from a forwarded request: hop-by-hop headers, and Host (set from the URL the policy
# checked, so a Host header cannot name another site behind the same address).
_DROPPED = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "host"}


class BadRequest(Exception):
    """The agent's request is not one the proxy understands."""


def _reply(status: str, text: str) -> bytes:
    body = f"hookflow egress proxy: {text}\n".encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def parse_head(head: bytes) -> tuple[str, str, int, bytes | None]:
    """(method, host, port, request to send upstream or None for CONNECT)."""
    text = head.decode("latin-1")
    request_line, _, rest = text.partition("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("not an HTTP/1.x request line")
    method, target, version = parts
    if method == "CONNECT":
        try:
            host, port = split_host_port(target)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        if port is None:
            raise BadRequest("CONNECT needs host:port")
        return method, host, port, None
    url = urlsplit(target)
    if url.scheme != "http" or not url.hostname:
        raise BadRequest("give an absolute http:// URL (or CONNECT for https)")
    try:
        port = url.port or 80
    except ValueError:
        raise BadRequest("not a port in the URL") from None
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    lines = [f"{method} {path} {version}", f"Host: {url.netloc.rsplit('@', 1)[-1]}"]
    for line in rest.split("\r\n"):
        name = line.split(":", 1)[0].strip().lower()
        if line and name not in _DROPPED:
            lines.append(line)
    lines.append("Connection: close")  # one request per connection: each is checked
    host = url.hostname if ":" not in url.hostname else f"[{url.hostname}]"
    return method, host, port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _pipe(
    src: asyncio.StreamReader, dst: asyncio.StreamWriter, entry: Connection, outbound: bool
) -> None:
    try:
        while data := await src.read(CHUNK):
            dst.write(data)
            if outbound:
                entry.bytes_out += len(data)
            else:
                entry.bytes_in += len(data)
            await dst.drain()
        if dst.can_write_eof():
            dst.write_eof()
    except (OSError, RuntimeError):
        dst.close()


class EgressProxy:
    """`async with EgressProxy(policy, path) as proxy:` serves on the Unix socket `path` until
    the block ends (then every open connection is closed); `proxy.log` is what happened."""

    def __init__(self, policy: EgressPolicy, path: Path, *, phase: str = "") -> None:
        self.policy, self.path = policy, path
        self.log = NetworkLog(phase=phase)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> EgressProxy:
        self.path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(
            self._accept, path=str(self.path), limit=HEAD_LIMIT
        )
        os.chmod(self.path, 0o600)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.path.unlink(missing_ok=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._tasks) >= MAX_CONNECTIONS:
            writer.write(_reply("503 Service Unavailable", "too many connections"))
            writer.close()
            return
        task = asyncio.current_task()
        if task is not None:  # closed with the proxy
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await self.serve_one(reader, writer)

    async def serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One agent connection: read its request head, decide, tunnel or forward."""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
            method, host, port, request = parse_head(head)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            writer.close()
            return
        except BadRequest as exc:
            writer.write(_reply("400 Bad Request", str(exc)))
            writer.close()
            return
        decision = await self.policy.decide(host, port)
        entry = self.log.add(
            Connection(decision.host, port, "allowed" if decision.allowed else "refused")
        )
        entry.method, entry.reason = method, decision.reason
        try:
            if not decision.allowed or decision.address is None:
                writer.write(_reply("403 Forbidden", f"{entry.target} refused: {entry.reason}"))
                await writer.drain()
                return
            entry.address = str(decision.address)
            await self._relay(reader, writer, entry, request)
        except OSError:
            pass
        finally:
            entry.finish()
            writer.close()

    async def _relay(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        entry: Connection,
        request: bytes | None,
    ) -> None:
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(entry.address, entry.port), CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError) as exc:
            entry.verdict, entry.reason = "failed", f"{entry.reason}; connect failed: {exc!r}"
            writer.write(_reply("502 Bad Gateway", f"{entry.target}: {exc!r}"))
            await writer.drain()
            return
        try:
            if request is None:
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                up_writer.write(request)
                entry.bytes_out += len(request)
            await asyncio.gather(
                _pipe(reader, up_writer, entry, True), _pipe(up_reader, writer, entry, False)
            )
        finally:
            up_writer.close()
            with contextlib.suppress(OSError):
                await up_writer.wait_closed()

"""Local stand-ins for agent endpoints: an HTTP agent, and an HTTPS server that records the
headers git sends (to prove token auth without a real GitHub)."""

from __future__ import annotations

import json
import ssl
import subprocess
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.support.fakes.local_server import LocalServer


class FakeAgentServer(LocalServer):
    """Answers POSTs with `reply` (JSON) and `status`; records bodies and headers."""

    def __init__(self, *, tls_dir: Path | None = None) -> None:
        self.bodies: list[Any] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200
        self.reply: Any = {"ok": True}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                server.bodies.append(json.loads(raw) if raw else None)

            def _answer(self) -> None:
                self._record()
                data = (
                    json.dumps(server.reply).encode()
                    if not isinstance(server.reply, bytes)
                    else server.reply
                )
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        port = self._listen(Handler)
        scheme = "http"
        if tls_dir is not None:
            scheme = "https"
            cert, key = tls_dir / "cert.pem", tls_dir / "key.pem"
            subprocess.run(
                [
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-keyout",
                    str(key),
                    "-out",
                    str(cert),
                ],
                check=True,
                capture_output=True,
            )
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"{scheme}://127.0.0.1:{port}"

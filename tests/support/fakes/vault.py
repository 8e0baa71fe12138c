"""FakeVault: a real HTTP server on 127.0.0.1 speaking the Vault endpoints hvac calls for hookflow.

KV v2 read (`GET /v1/{mount}/data/{path}`), token `lookup-self` / `renew-self`, AppRole and
Kubernetes login, with Vault's documented shapes and errors: 403 `permission denied` for an
unknown token or a path its policy does not cover, 404 `{"errors": []}` for a missing secret,
400 `invalid role or secret ID`, 503 `Vault is sealed`. Tokens expire after their TTL.

with FakeVault() as vault:
    token = vault.add_token(paths={"secret/data/atlasia"})
    vault.put("secret", "atlasia", {"github-webhook-secret": "…"})
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class _Token:
    policies_paths: set[str]
    ttl: int  # seconds; 0: never expires
    renewable: bool
    issued: float = field(default_factory=time.monotonic)
    renewals: int = 0

    def expired(self) -> bool:
        return self.ttl > 0 and time.monotonic() > self.issued + self.ttl


class FakeVault:
    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str], list[dict[str, Any]]] = {}  # versions, oldest first
        self.tokens: dict[str, _Token] = {}
        self.approles: dict[str, tuple[str, set[str]]] = {}  # role_id -> (secret_id, paths)
        self.k8s_roles: dict[str, tuple[str, set[str]]] = {}  # role -> (jwt, paths)
        self.sealed = False
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._port = 0

    # --- set-up ------------------------------------------------------------------------------
    def add_token(
        self, paths: set[str], *, ttl: int = 0, renewable: bool = True, token: str | None = None
    ) -> str:
        value = token or f"hvs.{uuid.uuid4().hex}"
        self.tokens[value] = _Token(set(paths), ttl, renewable)
        return value

    def add_approle(self, role_id: str, secret_id: str, paths: set[str]) -> None:
        self.approles[role_id] = (secret_id, set(paths))

    def add_k8s_role(self, role: str, jwt: str, paths: set[str]) -> None:
        self.k8s_roles[role] = (jwt, set(paths))

    def put(self, mount: str, path: str, data: dict[str, Any]) -> None:
        """`vault kv put mount/path k=v …`: a new version replaces the whole secret."""
        with self._lock:
            self.secrets.setdefault((mount, path), []).append(dict(data))

    # --- lifecycle ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> Self:
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Vault goes away: connections are refused until start() again (same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the API ------------------------------------------------------------------------------
    def _token(self, headers: dict[str, str]) -> _Token | None:
        token = self.tokens.get(headers.get("x-vault-token", ""))
        return None if token is None or token.expired() else token

    def _issue(self, paths: set[str], ttl: int = 1200) -> dict[str, Any]:
        value = self.add_token(paths, ttl=ttl, renewable=True)
        return {
            "auth": {
                "client_token": value,
                "accessor": uuid.uuid4().hex,
                "policies": ["default", "hookflow"],
                "token_policies": ["default", "hookflow"],
                "lease_duration": ttl,
                "renewable": True,
            }
        }

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        self.requests.append((method, path, headers))
        if self.sealed:
            return 503, {"errors": ["Vault is sealed"]}
        denied = (403, {"errors": ["permission denied"]})
        if path.startswith("/v1/auth/") and path.endswith("/login") and method in ("POST", "PUT"):
            mount = path[len("/v1/auth/") : -len("/login")]
            if mount == "approle":
                role = self.approles.get(body.get("role_id", ""))
                if role is None or role[0] != body.get("secret_id"):
                    return 400, {"errors": ["invalid role or secret ID"]}
                return 200, self._issue(role[1])
            if mount == "kubernetes":
                k8s = self.k8s_roles.get(body.get("role", ""))
                if k8s is None or k8s[0] != body.get("jwt"):
                    return denied
                return 200, self._issue(k8s[1])
            return 404, {"errors": ["no handler for route"]}
        token = self._token(headers)
        if token is None:
            return denied
        if path == "/v1/auth/token/lookup-self" and method == "GET":
            remaining = 0 if token.ttl == 0 else int(token.issued + token.ttl - time.monotonic())
            return 200, {"data": {"ttl": remaining, "renewable": token.renewable, "policies": []}}
        if path == "/v1/auth/token/renew-self" and method in ("POST", "PUT"):
            if not token.renewable:
                return 400, {"errors": ["lease is not renewable"]}
            token.issued = time.monotonic()
            token.renewals += 1
            return 200, {"auth": {"lease_duration": token.ttl, "renewable": True}}
        if method == "GET" and "/data/" in path:
            mount, _, rest = path[len("/v1/") :].partition("/data/")
            if f"{mount}/data/{rest}" not in token.policies_paths:
                return denied
            with self._lock:
                versions = self.secrets.get((mount, rest))
            if not versions:
                return 404, {"errors": []}
            return 200, {
                "request_id": uuid.uuid4().hex,
                "lease_id": "",
                "renewable": False,
                "lease_duration": 0,
                "data": {
                    "data": versions[-1],
                    "metadata": {
                        "created_time": "2026-01-01T12:30:45.000000Z",
                        "custom_metadata": None,
                        "deletion_time": "",
                        "destroyed": False,
                        "version": len(versions),
                    },
                },
                "wrap_info": None,
                "warnings": None,
                "auth": None,
            }
        return 404, {"errors": []}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = fake.handle(
                    self.command,
                    self.path.split("?")[0],
                    headers,
                    body if isinstance(body, dict) else {},
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _serve  # noqa: N815

        return Handler

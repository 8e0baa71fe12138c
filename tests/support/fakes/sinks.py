"""Local HTTP stand-ins for the notification sinks: AI Maestro and a chat webhook (127.0.0.1)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class _Failure:
    remaining: int
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """A threaded HTTP server that records requests and can answer errors a number of times."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []  # accepted (2xx) requests
        self.attempts: list[Recorded] = []  # every request, failed ones included
        self._failure: _Failure | None = None
        self.delay = 0.0  # seconds to wait before answering (to provoke client timeouts)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (once per test) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail_next(
        self, times: int, status: int = 500, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next `times` requests with `status` (then behave normally again)."""
        with self._lock:
            self._failure = _Failure(times, status, dict(headers or {}))

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            failure = self._failure
            if failure is None or failure.remaining <= 0:
                return None
            failure.remaining -= 1
            return failure

    def handle(self, recorded: Recorded) -> tuple[int, Any]:
        """Answer one recorded request: (status, JSON body or text)."""
        raise NotImplementedError

    def handle_get(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        """Answer a GET (none of the sinks reads anything by default)."""
        return 405, {"error": "Method not allowed"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # keep test output quiet

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                with fake._lock:
                    fake.attempts.append(
                        Recorded("GET", self.path, dict(self.headers.items()), None)
                    )
                status, answer = fake.handle_get(parts.path, query)
                self._answer(status, answer, {})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                recorded = Recorded("POST", self.path, dict(self.headers.items()), body)
                with fake._lock:
                    fake.attempts.append(recorded)
                if fake.delay:
                    time.sleep(fake.delay)
                failure = fake._take_failure()
                if failure is not None:
                    self._answer(failure.status, {"error": "injected failure"}, failure.headers)
                    return
                status, answer = fake.handle(recorded)
                if 200 <= status < 300:
                    with fake._lock:
                        fake.requests.append(recorded)
                self._answer(status, answer, {})

            def _answer(self, status: int, answer: Any, headers: dict[str, str]) -> None:
                if isinstance(answer, str):
                    data, ctype = answer.encode(), "text/plain; charset=utf-8"
                else:
                    data, ctype = json.dumps(answer).encode(), "application/json"
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


class FakeAIMaestro(FakeServer):
    """AI Maestro's `POST /api/messages`: validates like the real route, answers 201; and
    `GET /api/messages?agent=…&action=resolve`: 200 for a known agent, 404 otherwise."""

    def __init__(self, agents: set[str] | None = None) -> None:
        super().__init__()
        self.agents = agents  # None: every agent name resolves

    def handle_get(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        agent = query.get("agentId") or query.get("agent") or query.get("session")
        if path != "/api/messages":
            return 404, {"error": "Not found"}
        if query.get("action") == "resolve" and agent:
            if self.agents is not None and agent not in self.agents:
                return 404, {"error": "Agent not found", "resolved": None}
            return 200, {"resolved": {"agentId": f"id-{agent}", "alias": agent}}
        if not agent:
            return 400, {"error": "Agent identifier required (agent ID, alias, or session name)"}
        return 200, {"messages": [m for m in self.messages if m.get("to") == agent]}

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests]

    def handle(self, recorded: Recorded) -> tuple[int, Any]:
        if recorded.path != "/api/messages":
            return 404, {"error": "Not found"}
        body = recorded.body
        if not isinstance(body, dict) or not all(
            body.get(k) for k in ("from", "to", "subject", "content")
        ):
            return 400, {"error": "Missing required fields: from, to, subject, content"}
        content = body["content"]
        if not isinstance(content, dict) or not content.get("type") or not content.get("message"):
            return 400, {"error": "Content must have type and message fields"}
        if body.get("priority", "normal") not in ("low", "normal", "high", "urgent"):
            return 400, {"error": "Invalid priority"}
        message = {
            "id": f"msg-{len(self.requests) + 1}",
            "from": body["from"],
            "to": body["to"],
            "subject": body["subject"],
            "priority": body.get("priority", "normal"),
            "status": "unread",
            "content": content,
        }
        return 201, {"message": message}


class FakeChatWebhook(FakeServer):
    """A chat incoming webhook: Slack-like, answers 200 "ok" to any JSON object."""

    def __init__(self, status: int = 200) -> None:
        super().__init__()
        self.status = status

    @property
    def bodies(self) -> list[Any]:
        return [r.body for r in self.requests]

    def handle(self, recorded: Recorded) -> tuple[int, Any]:
        if not isinstance(recorded.body, dict):
            return 400, "invalid_payload"
        return self.status, "ok"

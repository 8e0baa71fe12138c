"""FakeLLM: an OpenAI-compatible Chat Completions server on 127.0.0.1 with scripted answers
(replies, HTTP errors with headers such as retry-after, slow answers) and recorded requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.fakes.local_server import LocalServer


@dataclass
class Step:
    """One scripted answer: `content` with 200, or an error `status` (+ headers), after `delay`."""

    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    prompt_tokens: int = 100
    completion_tokens: int = 20


@dataclass
class LLMRequest:
    at: float  # time.monotonic() when it arrived
    path: str
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]

    @property
    def user_text(self) -> str:
        return "\n".join(
            str(m.get("content")) for m in self.body.get("messages", []) if m.get("role") == "user"
        )

    @property
    def phase(self) -> str:
        text = self.user_text
        marker = "Phase: "
        return text[text.index(marker) + len(marker) :].split(".")[0] if marker in text else ""


def phase_of(body: dict[str, Any]) -> str:
    return LLMRequest(0, "", {}, body).phase


class FakeLLM(LocalServer):
    """Answers POST /v1/chat/completions; `script` is consumed first, then `answer(request)`."""

    def __init__(self, answer: Callable[[LLMRequest], str] | None = None) -> None:
        self.script: list[Step] = []
        self.requests: list[LLMRequest] = []
        self.answer = answer or (lambda request: '{"ok": true}')
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                request = LLMRequest(
                    time.monotonic(),
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with fake.lock:
                    fake.requests.append(request)
                    step = fake.script.pop(0) if fake.script else None
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}}, {})
                if step is None:
                    step = Step(content=fake.answer(request))
                if step.delay:
                    time.sleep(step.delay)
                if step.status != 200:
                    kind = "rate_limit_error" if step.status == 429 else "server_error"
                    return self._send(
                        step.status,
                        {
                            "error": {
                                "message": f"scripted {step.status}",
                                "type": kind,
                                "code": None,
                            }
                        },
                        step.headers,
                    )
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{len(fake.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": step.content},
                            }
                        ],
                        "usage": {
                            "prompt_tokens": step.prompt_tokens,
                            "completion_tokens": step.completion_tokens,
                            "total_tokens": step.prompt_tokens + step.completion_tokens,
                        },
                    },
                    step.headers,
                )

            def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): that is the point of a slow step

            def log_message(self, *args: Any) -> None:
                pass

        self.url = f"http://127.0.0.1:{self._listen(Handler)}/v1"

    def then(self, *steps: Step) -> FakeLLM:
        with self.lock:
            self.script.extend(steps)
        return self

    def phases(self) -> list[str]:
        with self.lock:
            return [r.phase for r in self.requests]

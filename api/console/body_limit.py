"""A cap on what a console request may send (forms are small): over it, 413 before anything is
parsed, so an unauthenticated POST to the sign-in form cannot make the process buffer gigabytes."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 256 * 1024  # the largest form (a silence's matchers) is a few KB


class BodyLimit:
    """Pure ASGI middleware: refuses a declared Content-Length over the cap at once, and stops
    a chunked body when it passes the cap."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = PlainTextResponse("request body too large", status_code=413)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await too_large(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # Raised where the app reads its body: its exception handler answers 413.
                    raise HTTPException(413, "The request is too large.")
            return message

        await self.app(scope, counted, send)

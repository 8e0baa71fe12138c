"""Serve an ASGI app with uvicorn inside the running event loop (browser tests, screenshots)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import uvicorn

from devstack.postgres import free_port


@contextlib.asynccontextmanager
async def serving(app: Any, start_timeout: float = 30) -> AsyncIterator[str]:
    """`app` (its lifespan included) on http://127.0.0.1:<free port> until the block ends."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(int(start_timeout / 0.05)):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    if task.done():
        task.result()  # raises what stopped it
    if not server.started:
        server.should_exit = True
        raise RuntimeError(f"uvicorn did not start within {start_timeout} s")
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task

"""Templates: Jinja2 with autoescaping on for every template (payload text is never marked
safe), strict undefined names, and the few filters pages share."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api.console.links import http_url

PREFIX = "/console"
TEMPLATES = Path(__file__).resolve().parent / "templates"

# Fixed texts shown after an action (?notice=…): a link cannot make the console say anything else.
NOTICES = {
    "retried": "The delivery is pending again; the dispatcher starts what is left of its plan.",
    "signal-approve": "Approve sent to the run's workflow.",
    "signal-cancel": "Cancel sent to the run's workflow.",
    "signal-retry": "Retry sent to the run's workflow.",
    "silence-created": "Silence created.",
    "silence-expired": "Silence expired.",
    "signed-out": "Signed out.",
}


def when(value: datetime | None) -> str:
    """A UTC time as people read it (the columns hold UTC, some without a zone)."""
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def clip(value: object, size: int = 120) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= size else text[: size - 1] + "…"


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def size(value: int | None) -> str:
    n = float(value or 0)
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} MB"


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(when=when, clip=clip, pretty=pretty, http_url=http_url, size=size)
_env.globals.update(prefix=PREFIX)


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """`template` with `context`, the signed-in viewer (put on the request by the page's viewer
    dependency), the section the page is in (the first part of its path, which the navigation
    marks) and the notice a redirect after an action asked for."""
    below = request.url.path.removeprefix(request.scope.get("root_path", ""))  # below /console
    section = "/" + below.strip("/").split("/")[0]
    html = _env.get_template(template).render(
        viewer=getattr(request.state, "viewer", None),
        section=section,
        notice=NOTICES.get(request.query_params.get("notice", "")),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)

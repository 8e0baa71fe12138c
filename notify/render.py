"""Render the text of notifications and CI-failure issues from Jinja2 templates.

Templates ship in notify/templates/<kind>/<part>.j2 (kinds: aimaestro, slack, json, logfile,
ci_issue; parts: subject, summary, body, footer). A receiver's `template:` (inline source) or a
file in NOTIFY_TEMPLATES_DIR (same layout) overrides one; an override that fails to render is
logged and the shipped template is used instead, so a notification is never lost to a template.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    FileSystemLoader,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import SandboxedEnvironment

log = logging.getLogger("hookflow.templates")

SHIPPED = Path(__file__).resolve().parent / "templates"
TEMPLATE_PARTS = ("subject", "summary", "body")  # what a receiver's `template:` may override
# The parts each sink renders (a receiver's override of another part is simply not used).
SINK_PARTS = {
    "aimaestro": ("subject", "body"),
    "slack": ("body",),
    "json": ("summary",),
    "logfile": ("summary",),
}
_CACHE_LIMIT = 256


def _environment(loader: BaseLoader | None = None) -> SandboxedEnvironment:
    # Plain text and Markdown, not HTML: no autoescaping. Sandboxed: a template from a config
    # file can read what it is given, nothing of the process.
    return SandboxedEnvironment(loader=loader, autoescape=False, keep_trailing_newline=False)


_SYNTAX = _environment()


def template_error(source: str) -> str | None:
    """Why `source` is not a usable template (its syntax, unknown filters), or None."""
    try:
        _SYNTAX.from_string(source)
    except TemplateSyntaxError as exc:
        return f"bad template (line {exc.lineno}): {exc.message}"
    return None


class Renderer:
    """Shipped templates, overridden by `templates_dir` and by inline sources."""

    def __init__(self, templates_dir: Path | None = None) -> None:
        self._shipped = _environment(FileSystemLoader(SHIPPED))
        self._custom = (
            _environment(FileSystemLoader(templates_dir.expanduser())) if templates_dir else None
        )
        self._inline = _environment()
        self._compiled: dict[str, Template] = {}

    @property
    def has_overrides(self) -> bool:
        """A NOTIFY_TEMPLATES_DIR is set (JSON bodies are then rendered, not copied)."""
        return self._custom is not None

    def _from_string(self, source: str) -> Template:
        template = self._compiled.get(source)
        if template is None:
            if len(self._compiled) >= _CACHE_LIMIT:
                self._compiled.clear()
            template = self._compiled[source] = self._inline.from_string(source)
        return template

    def _override(self, name: str, inline: str | None) -> tuple[str, Template] | None:
        if inline is not None:
            return "the receiver's template", self._from_string(inline)
        if self._custom is None:
            return None
        try:
            return f"NOTIFY_TEMPLATES_DIR/{name}", self._custom.get_template(name)
        except TemplateNotFound:
            return None

    def render(
        self,
        kind: str,
        part: str,
        context: Mapping[str, Any],
        *,
        inline: str | None = None,
    ) -> str:
        """The text of `kind/part.j2` for `context`; overrides first, the shipped one if they
        fail (logged)."""
        name = f"{kind}/{part}.j2"
        try:
            override = self._override(name, inline)
        except TemplateError as exc:
            log.warning("template %s does not load (%s); using the shipped one", name, exc)
            override = None
        if override is not None:
            where, template = override
            try:
                return template.render(context)
            except Exception as exc:  # noqa: BLE001 - any template error falls back
                log.warning(
                    "template %s (%s) failed to render: %s: %s; using the shipped one",
                    name,
                    where,
                    type(exc).__name__,
                    exc,
                )
        return self._shipped.get_template(name).render(context)


@functools.cache
def shipped_renderer() -> Renderer:
    """The renderer with only the shipped templates (one per process)."""
    return Renderer()

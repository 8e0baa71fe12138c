"""configure_logging(): one set-up for the API and the worker (LOG_LEVEL, LOG_FORMAT=text|json).

Every line carries the delivery id / run id / workflow id it is about (see ops.log_context),
and any secret the process knows is masked before a line is written.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from ops.log_context import FIELDS, ContextFilter
from settings import Settings

MASK = "***"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "message", *FIELDS]
# uvicorn configures these itself; sending them to the root keeps one format per process.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class _Masking:
    """Replaces known secret values in the finished line (the last line of defence)."""

    secrets: tuple[str, ...] = ()

    def add(self, values: Iterable[str]) -> None:
        """Mask these too (secrets re-read from Vault while the process runs)."""
        self.secrets = _ordered([*self.secrets, *values])

    def mask(self, line: str) -> str:
        for secret in self.secrets:
            if secret in line:
                line = line.replace(secret, MASK)
        return line


class TextFormatter(_Masking, logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        parts = [f"{name}={getattr(record, name)}" for name in FIELDS if getattr(record, name, "")]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return self.mask(super().format(record))


class JsonLineFormatter(_Masking, JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.pop("color_message", None)  # uvicorn's ANSI copy of the message
        for name in FIELDS:  # only the ids that are known, never empty keys
            if not log_data.get(name):
                log_data.pop(name, None)


class HookflowHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler configure_logging() installed, so a second call replaces it."""


def _ordered(secrets: Iterable[str]) -> tuple[str, ...]:
    # Longest first, so a secret containing another is masked whole.
    return tuple(sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True))


def mask_also(values: Iterable[str]) -> None:
    """Add values to the masks of hookflow's handler (if configure_logging() installed one)."""
    items = list(values)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, HookflowHandler) and isinstance(handler.formatter, _Masking):
            handler.formatter.add(items)


def build_formatter(fmt: str, secrets: Iterable[str]) -> logging.Formatter:
    formatter: _Masking
    if fmt == "json":
        formatter = JsonLineFormatter(
            JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"}
        )
    else:
        formatter = TextFormatter(TEXT_FORMAT)
    formatter.secrets = _ordered(secrets)
    assert isinstance(formatter, logging.Formatter)
    return formatter


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> logging.Handler:
    """Install (or replace) hookflow's handler on the root logger; other handlers stay."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, HookflowHandler):
            root.removeHandler(handler)
    handler = HookflowHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(build_formatter(settings.log_format, settings.secret_values()))
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    return handler

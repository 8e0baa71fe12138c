"""Partial updates: fields an update leaves None are unchanged, the others copied onto a row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _same(value: Any) -> Any:
    return value


def set_given(
    row: object, update: object, *names: str, convert: Callable[[Any], Any] = _same
) -> None:
    """`row.name = convert(update.name)` for each of `names` whose value in `update` is not None."""
    for name in names:
        value = getattr(update, name)
        if value is not None:
            setattr(row, name, convert(value))

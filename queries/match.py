"""Equality filters: `column == value` for each value an operator gave (None or "" filters
nothing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import col


def matching(*pairs: tuple[Any, str | None]) -> list[ColumnElement[bool]]:
    """The condition of each (column, value) pair whose value was given."""
    return [col(column) == value for column, value in pairs if value]

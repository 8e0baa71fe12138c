"""Tasks as operators look them up (the API and the console)."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlmodel import col

from db.models import Task


def task_filters(
    *, repo: str | None = None, status: str | None = None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if repo:
        found.append(col(Task.repo) == repo)
    if status:
        found.append(col(Task.status) == status.lower())
    return found

"""Tasks as operators look them up (the API and the console)."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from db.models import Task
from queries.match import matching


def task_filters(
    *, repo: str | None = None, status: str | None = None
) -> list[ColumnElement[bool]]:
    return matching((Task.repo, repo), (Task.status, status and status.lower()))

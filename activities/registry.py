"""Every activity the worker runs, built once with the clients they need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.runs import RunActivities
from db.engine import SessionFactory
from settings import Settings


def build_activities(settings: Settings, sessions: SessionFactory) -> list[Callable[..., Any]]:
    runs = RunActivities(sessions)
    return [
        runs.set_status,
        runs.record_artifact,
    ]

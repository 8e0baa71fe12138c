"""The base of the activity classes that work on the database with the settings in force."""

from __future__ import annotations

from db.engine import SessionFactory
from settings import Settings


class DatabaseActivities:
    """Activities given the database (`sessions`) and the settings, built once per worker."""

    def __init__(self, sessions: SessionFactory, settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings

"""Settings of the operator console (/console); its token is in SecretSettings."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, field_validator

from settings.durations import Duration


class ConsoleSettings(BaseModel):
    # How long a console sign-in lasts (an absolute expiry; signing out ends it sooner).
    console_session_ttl: Duration = timedelta(hours=12)

    @field_validator("console_session_ttl")
    @classmethod
    def _check_ttl(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= timedelta(days=30):
            raise ValueError("CONSOLE_SESSION_TTL must be between 1m and 30d")
        return value

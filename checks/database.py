"""The database check: reachable, and its schema at the revision this hookflow ships."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import make_url

from checks.result import Check, fail, ok
from db.migrate import current_revision, head_revision, known_revisions
from settings import Settings

NAME = "database"
TIMEOUT_SECONDS = 10.0


def _where(url: str) -> str:
    """The URL as it may be printed: no password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  (an unparsable URL is reported by the connect)
        return "DATABASE_URL"


async def check_database(settings: Settings) -> Check:
    where = _where(settings.database_url)
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            current = await asyncio.to_thread(current_revision, settings.database_url)
    except TimeoutError:
        return fail(NAME, f"{where} did not answer within {TIMEOUT_SECONDS:.0f} s")
    except Exception as exc:  # noqa: BLE001  (any driver error means: not usable)
        # The driver's message names host, port and user, never the password.
        reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        return fail(
            NAME,
            f"{where} unreachable: {reason}",
            "check DATABASE_URL, that PostgreSQL runs and accepts this user",
        )
    head = head_revision()
    if current == head:
        return ok(NAME, f"{where} reachable, schema at head ({head})")
    if current is None:
        return fail(NAME, f"{where} has no hookflow schema", "run `hookflow migrate`")
    if current not in known_revisions():
        return fail(
            NAME,
            f"{where} is at revision {current}, which this hookflow does not know (a newer one "
            "migrated it)",
            "run the newer hookflow, or restore a backup",
        )
    return fail(
        NAME,
        f"{where} is at revision {current}, head is {head}",
        "run `hookflow migrate`",
    )

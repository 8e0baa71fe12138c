"""`hookflow migrate`: bring DATABASE_URL to the newest schema (the packaged Alembic migrations)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _run(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from db.migrate import current_revision, head_revision, upgrade
    from ops.logs import configure_logging
    from settings import load_settings

    settings = load_settings()
    configure_logging(settings)
    # The URL without its password: it is printed.
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    before = current_revision(settings.database_url)
    upgrade(settings.database_url)
    head = head_revision()
    if before == head:
        print(f"{where}: already at {head}")
    else:
        print(f"{where}: migrated from {before or 'an empty database'} to {head}")
    sys.stdout.flush()
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="apply the database migrations up to head (run before serve and worker start)",
    )
    parser.set_defaults(func=_run)

"""Bring a database to the newest schema with the packaged Alembic migrations (`hookflow
migrate`, dev stacks, tests), and tell where a database stands (`hookflow check`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.engine import sync_url


def _scripts() -> Path:
    """The installed `migrations` package (env.py, script.py.mako, versions/), found through
    the import system without running it: a wheel install needs no alembic.ini and no source
    tree, and the schema code (which imports db.models) stays above this module."""
    spec = importlib.util.find_spec("migrations")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the `migrations` package is not installed with hookflow")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


SCRIPTS = _scripts()


def _config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str) -> None:
    """Apply every migration up to head to the database at `url`."""
    command.upgrade(_config(url), "head")


def head_revision() -> str:
    """The newest revision this version of hookflow ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {SCRIPTS}")
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(url: str, *, connect_timeout: int = 5) -> str | None:
    """The revision the database at `url` is at (None: never migrated). Raises on no answer."""
    sync = sync_url(url)
    args = {"connect_timeout": connect_timeout} if sync.startswith("postgresql") else {}
    engine = sqlalchemy.create_engine(sync, connect_args=args, poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()

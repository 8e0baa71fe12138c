"""The database engine and session factory, created once by each entry point."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from ops.json_read import loads


def async_url(url: str) -> str:
    """The async driver for a URL: postgresql:// → psycopg, sqlite → aiosqlite."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def sync_url(url: str) -> str:
    """The URL Alembic uses (psycopg works both ways; SQLite needs the stdlib driver)."""
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url[len("sqlite+aiosqlite://") :]
    return async_url(url) if not url.startswith("sqlite") else url


def make_engine(url: str) -> AsyncEngine:
    url = async_url(url)
    if url.startswith("postgresql"):
        # A down database must fail the request quickly (503), not hang past GitHub's 10 s.
        # pool_size covers a busy API's steady use: connections beyond it are closed on return
        # and reopened on the next burst (a connect costs more than the insert it serves).
        return create_async_engine(
            url,
            pool_pre_ping=True,
            pool_size=20,
            max_overflow=20,
            pool_timeout=5,
            connect_args={"connect_timeout": 3},
            # JSON columns (a delivery's payload, plans, responses) read by orjson where it
            # reads them as the standard library does.
            json_deserializer=loads,
        )
    return create_async_engine(url, json_deserializer=loads)


SessionFactory = async_sessionmaker[AsyncSession]


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

"""Keyset paging, newest first: a page is the rows before (or after) a (time, id) cursor, so page
N costs what page 1 costs, however many rows the table holds."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


@dataclass(frozen=True)
class Cursor:
    """A position in a newest-first listing: the time and id of a row."""

    at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        return f"{self.at.isoformat()}_{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor of `encode`; ValueError for anything else (a hand-edited link)."""
        at, sep, ident = text.partition("_")
        if not sep:
            raise ValueError("not a page cursor")
        return cls(datetime.fromisoformat(at), uuid.UUID(ident))


@dataclass
class Page(Generic[T]):
    rows: list[T]
    older: Cursor | None  # the cursor of the next (older) page, when there is one
    newer: Cursor | None  # the cursor of the previous (newer) page, when not at the top


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    *,
    time_col: Any,
    id_col: Any,
    key: Callable[[Any], Cursor],
    before: Cursor | None = None,
    after: Cursor | None = None,
    limit: int = 50,
) -> Page[Any]:
    """One page of `query` (a select with its filters) ordered by (time_col, id_col) descending:
    the rows older than `before`, or the newest rows just newer than `after`, or the newest.
    One row beyond the page tells whether another page follows; no count(*) of all that match."""
    position = tuple_(time_col, id_col)

    def at(cursor: Cursor) -> ColumnElement[Any]:
        return tuple_(literal(cursor.at, time_col.type), literal(cursor.id, id_col.type))

    if after is not None:
        rows: Sequence[Any] = (
            await session.execute(
                query.where(position > at(after))
                .order_by(time_col.asc(), id_col.asc())
                .limit(limit + 1)
            )
        ).all()
        more_newer = len(rows) > limit
        page = list(reversed(rows[:limit]))
        older = key(page[-1]) if page else None
        return Page(page, older, key(page[0]) if page and more_newer else None)
    if before is not None:
        query = query.where(position < at(before))
    rows = (
        await session.execute(query.order_by(time_col.desc(), id_col.desc()).limit(limit + 1))
    ).all()
    page = list(rows[:limit])
    older = key(page[-1]) if len(rows) > limit else None
    newer = key(page[0]) if before is not None and page else None
    return Page(page, older, newer)

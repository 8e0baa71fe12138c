"""Keyset paging, newest first: a page is the rows before (or after) a (time, id) cursor, so page
N costs what page 1 costs, however many rows the table holds."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypedDict, TypeVar, Unpack

from sqlalchemy import ColumnElement, Select, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

T = TypeVar("T")
M = TypeVar("M", bound=SQLModel)


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


class Window(TypedDict, total=False):
    """Which page: the rows older than `before`, or the newest rows just newer than `after`, or
    the newest; at most `limit` (50)."""

    before: Cursor | None
    after: Cursor | None
    limit: int


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    *,
    time_col: Any,
    id_col: Any,
    key: Callable[[Any], Cursor],
    **window: Unpack[Window],
) -> Page[Any]:
    """One page of `query` (a select with its filters) ordered by (time_col, id_col) descending.
    One row beyond the page tells whether another page follows; no count(*) of all that match."""
    before, after, limit = window.get("before"), window.get("after"), window.get("limit", 50)
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


async def model_page(
    session: AsyncSession,
    model: type[M],
    where: Sequence[ColumnElement[bool]],
    *,
    newest: Any,
    **window: Unpack[Window],
) -> Page[M]:
    """One page of `model`'s rows matching `where`, newest (by the `newest` column) first."""
    page = await keyset_page(
        session,
        select(model).where(*where),
        time_col=col(newest),
        id_col=col(model.id),  # type: ignore[attr-defined]
        key=lambda r: Cursor(getattr(r[0], newest.key), r[0].id),
        **window,
    )
    return Page([r[0] for r in page.rows], page.older, page.newer)

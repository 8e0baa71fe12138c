"""What the list endpoints share: query-string parameters bounded so that no value a client can
type reaches the database as something it refuses (NUL, integers beyond bigint: 422 instead),
and one page of rows with the count of all that match."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query
from sqlalchemy import func
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from routing.fields import INT64_MAX

Row = TypeVar("Row", bound=SQLModel)

# PostgreSQL text cannot hold NUL; a filter longer than any stored value matches nothing.
Filter = Annotated[str | None, Query(max_length=300, pattern=r"^[^\x00]*$")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=INT64_MAX)]


async def newest_page(
    session: AsyncSession,
    model: type[Row],
    filters: Sequence[Any],
    *,
    newest: Any,
    limit: int,
    offset: int,
) -> tuple[Sequence[Row], int]:
    """Rows of `model` matching every filter, newest (by the `newest` column) first, ties by id;
    and how many match in all."""
    query = (
        select(model)
        .where(*filters)
        .order_by(col(newest).desc(), col(model.id))  # type: ignore[attr-defined]
        .offset(offset)
        .limit(limit)
    )
    rows = (await session.exec(query)).all()
    total = (await session.exec(select(func.count()).select_from(model).where(*filters))).one()
    return rows, total

"""What the list endpoints share: query-string parameters bounded so that no value a client can
type reaches the database as something it refuses (NUL, integers beyond bigint: 422 instead),
and one route shape: a page of rows, newest first, with the count of all that match."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, func
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import SessionDep
from api.public import Page
from routing.fields import INT64_MAX

PageT = TypeVar("PageT", bound=Page[Any])
# SQL conditions, all of which a row must meet.
Where = list[ColumnElement[bool]]
# A list route's filters: its query parameters in, the conditions they ask for out.
Filters = Callable[..., Where]

# PostgreSQL text cannot hold NUL; a filter longer than any stored value matches nothing.
Filter = Annotated[str | None, Query(max_length=300, pattern=r"^[^\x00]*$")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=INT64_MAX)]


async def newest_page(
    session: AsyncSession,
    page: type[PageT],
    model: type[SQLModel],
    filters: Sequence[Any],
    *,
    newest: Any,
    limit: int,
    offset: int,
) -> PageT:
    """The page of `model`'s rows matching every filter, newest (by the `newest` column) first,
    ties by id; with how many match in all."""
    query = (
        select(model)
        .where(*filters)
        .order_by(col(newest).desc(), col(model.id))  # type: ignore[attr-defined]
        .offset(offset)
        .limit(limit)
    )
    rows = (await session.exec(query)).all()
    total = (await session.exec(select(func.count()).select_from(model).where(*filters))).one()
    return page(data=list(rows), count=total, limit=limit, offset=offset)


def list_route(
    router: APIRouter,
    page: type[Page[Any]],
    model: type[SQLModel],
    *,
    newest: Any,
    name: str | None = None,
) -> Callable[[Filters], Filters]:
    """Register `GET ""` on `router` from the decorated filters: the route's query parameters
    are the filters' parameters (text ones bounded as `Filter`), then `limit` and `offset`; it
    answers a `page` of `model`'s rows matching every condition the filters return, newest
    first. `name` (else the filters' name) and the filters' docstring describe the route."""

    def register(filters: Filters) -> Filters:
        async def endpoint(
            session: AsyncSession, limit: int, offset: int, **query: Any
        ) -> Page[Any]:
            where = filters(**query)
            return await newest_page(
                session, page, model, where, newest=newest, limit=limit, offset=offset
            )

        # One signature, as if written by hand, so that FastAPI checks every parameter before
        # the filters run (a filter may answer 400 itself) and documents them in this order.
        keyword = inspect.Parameter.KEYWORD_ONLY
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("session", keyword, annotation=SessionDep),
                *(
                    p.replace(kind=keyword, annotation=_bounded(p.annotation))
                    for p in inspect.signature(filters, eval_str=True).parameters.values()
                ),
                inspect.Parameter("limit", keyword, default=50, annotation=Limit),
                inspect.Parameter("offset", keyword, default=0, annotation=Offset),
            ]
        )
        router.add_api_route(
            "",
            endpoint,
            methods=["GET"],
            response_model=page,
            name=name or filters.__name__,
            description=inspect.cleandoc(filters.__doc__ or ""),
        )
        return filters

    return register


def _bounded(annotation: Any) -> Any:
    """A text filter as the `Filter` query parameter; any other annotation as it is."""
    return Filter if annotation == str | None else annotation

"""One row by its primary key for a page, or the page's 404 saying what is missing."""

from __future__ import annotations

import uuid
from typing import TypeVar

from fastapi import HTTPException
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


async def get_or_404(session: AsyncSession, model: type[Row], key: uuid.UUID, missing: str) -> Row:
    row = await session.get(model, key)
    if row is None:
        raise HTTPException(404, missing)
    return row

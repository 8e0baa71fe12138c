"""Query-string parameters shared by the read endpoints, bounded so that no value a client can
type reaches the database as something it refuses (NUL, integers beyond bigint): 422 instead."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from routing.fields import INT64_MAX

# PostgreSQL text cannot hold NUL; a filter longer than any stored value matches nothing.
Filter = Annotated[str | None, Query(max_length=300, pattern=r"^[^\x00]*$")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=INT64_MAX)]

"""How the read API shows table rows: fields named as the row names them, sent in camelCase;
and a page of such rows."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import AliasGenerator, BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel


class Public(BaseModel):
    """A row as the API shows it: each field is read from the row's attribute of the same name
    (or its `validation_alias`) and sent under its camelCase name (or its `serialization_alias`).
    """

    model_config = ConfigDict(
        from_attributes=True,
        alias_generator=AliasGenerator(serialization_alias=to_camel),
        # Every field is always sent: the published schema says so even where there is a default.
        json_schema_serialization_defaults_required=True,
    )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# A text kept inside a JSON column: None where it is missing or not a string.
JsonText = Annotated[str | None, BeforeValidator(_text_or_none)]

Item = TypeVar("Item", bound=BaseModel)


class Page(BaseModel, Generic[Item]):
    """One page of a list, with the count of all that match."""

    data: list[Item]
    count: int
    limit: int
    offset: int

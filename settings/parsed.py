"""Text settings that must parse: checked at start-up, parsed again where they are read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import AfterValidator


def parsed_by(parse: Callable[[str], Any]) -> AfterValidator:
    """A check that `parse` accepts the text (its ValueError is the setting's error); the
    setting keeps the text."""

    def check(value: str) -> str:
        parse(value)
        return value

    return AfterValidator(check)

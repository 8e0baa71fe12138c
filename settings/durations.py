"""The duration type of every duration setting: `30s`, `5m`, `1h30m`, `3d` in, a timedelta out."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from fractions import Fraction
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_settings import NoDecode

_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"ms|s|m|h|d|w"  # `ms` before `m`: `5ms` is five milliseconds
_PART = re.compile(rf"({_NUMBER})\s*({_UNIT})")
_PARTS = re.compile(rf"(?:{_NUMBER}\s*(?:{_UNIT})\s*)+")
_BARE = re.compile(_NUMBER)
_MICROSECONDS = {
    "ms": 1_000,
    "s": 1_000_000,
    "m": 60_000_000,
    "h": 3_600_000_000,
    "d": 86_400_000_000,
    "w": 604_800_000_000,
}
HINT = "use e.g. 30s, 5m, 1h30m, 3d, 500ms; a bare number is seconds"


def parse_duration(text: str) -> timedelta:
    """`90s`, `5m`, `1h30m`, `4h`, `10d`, `2ms`, `1.5h`; a bare number (`30`, `0.5`) is seconds."""
    compact = text.strip()
    if _BARE.fullmatch(compact):
        micro = Fraction(compact) * _MICROSECONDS["s"]
    elif _PARTS.fullmatch(compact):
        parts = _PART.findall(compact)
        micro = sum((Fraction(n) * _MICROSECONDS[unit] for n, unit in parts), Fraction(0))
    else:
        raise ValueError(f"not a duration: {text!r} ({HINT})")
    try:
        return timedelta(microseconds=round(micro))
    except OverflowError:
        raise ValueError(f"not a duration: {text!r} is too long") from None


def format_duration(value: timedelta) -> str:
    """The compact spelling parse_duration reads back: 90 s → `1m30s`, 0.5 s → `500ms`."""
    micro = value // timedelta(microseconds=1)
    if micro < 0:
        raise ValueError(f"negative duration: {value}")
    if micro % 1_000:
        whole, fraction = divmod(micro, 1_000_000)
        return f"{whole}.{fraction:06d}".rstrip("0") + "s"
    parts = []
    for unit in ("d", "h", "m", "s", "ms"):
        count, micro = divmod(micro, _MICROSECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def to_timedelta(value: object) -> timedelta:
    """What a duration setting accepts: text (environment, dotenv), a number of seconds (the
    `…_SECONDS` settings always took one), or a timedelta (Python callers, tests)."""
    if isinstance(value, timedelta):
        result = value
    elif isinstance(value, str):
        result = parse_duration(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"not a duration: {value!r} ({HINT})")
        try:
            result = timedelta(seconds=value)
        except OverflowError:
            raise ValueError(f"not a duration: {value!r} is too long") from None
    else:
        raise ValueError(f"not a duration: {value!r} ({HINT})")
    if result < timedelta(0):
        raise ValueError(f"not a duration: {value!r} is negative")
    return result


def _optional(value: object) -> timedelta | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_timedelta(value)


def _unset_or(value: object) -> timedelta | None:
    return None if value is None else to_timedelta(value)


def _many(value: object) -> tuple[timedelta, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"not a list of durations: {value!r} (use e.g. 4h,24h,72h)")
    found = tuple(to_timedelta(i) for i in items if not (isinstance(i, str) and not i.strip()))
    if not found:
        raise ValueError("needs at least one duration, e.g. 4h,24h,72h")
    return found


# The one way to declare a duration setting. A bad value fails Settings with the variable's
# name (pydantic's error location) and the message "not a duration: …".
Duration = Annotated[timedelta, BeforeValidator(to_timedelta)]
# Empty means "off" (e.g. RECOVER_INTERVAL: no schedule).
OptionalDuration = Annotated[timedelta | None, BeforeValidator(_optional)]
# Unset means "never" (WEBHOOK_RETENTION); set, it must be a duration ("" is refused).
UnsetOrDuration = Annotated[timedelta | None, BeforeValidator(_unset_or)]
# `4h,24h,72h`; NoDecode: the environment holds a comma list, not JSON.
DurationList = Annotated[tuple[timedelta, ...], NoDecode, BeforeValidator(_many)]

"""Decode a signed body into a JSON object PostgreSQL (JSONB) and Temporal can always store.

Valid JSON can still be unstorable: NUL characters, lone surrogates, NaN/Infinity/1e999 and
deep nesting are refused by JSONB or by the encoders on the way. Such values are replaced
(U+FFFD, a string naming the number, null below MAX_DEPTH) and the delivery keeps its raw body.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from routing.fields import clean

# GitHub payloads nest about ten levels; far deeper trees only come from fuzzers and attacks.
MAX_DEPTH = 64


@dataclass(frozen=True)
class Decoded:
    payload: dict[str, Any]  # what is stored and routed ({} when unusable)
    exact: bool  # payload is exactly what was sent: no need to keep the raw body
    error: str | None = None  # why the body is not a usable JSON object


def decode(body: bytes) -> Decoded:
    try:
        value = json.loads(body)
    except RecursionError:
        return Decoded({}, False, f"JSON nested deeper than {MAX_DEPTH} levels")
    except ValueError as exc:  # includes UnicodeDecodeError and integers over 4,300 digits
        return Decoded({}, False, clean(str(exc))[:200])
    if not isinstance(value, dict):
        return Decoded({}, False, "payload is not a JSON object")
    storable, changed = _storable(value, 0)
    return Decoded(storable, not changed)


def _storable(value: Any, depth: int) -> tuple[Any, bool]:
    """(a storable copy of `value`, whether anything had to change)."""
    if isinstance(value, str):
        cleaned = clean(value)
        return cleaned, cleaned is not value
    if isinstance(value, float):
        return (value, False) if math.isfinite(value) else (repr(value), True)
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        return None, True
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        changed = False
        for key, item in value.items():
            k = clean(key)
            v, c = _storable(item, depth + 1)
            out[k] = v
            changed = changed or c or k is not key
        return out, changed
    if isinstance(value, list):
        items = []
        changed = False
        for item in value:
            v, c = _storable(item, depth + 1)
            items.append(v)
            changed = changed or c
        return items, changed
    return value, False

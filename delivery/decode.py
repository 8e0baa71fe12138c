"""Decode a signed body into a JSON object PostgreSQL (JSONB) and Temporal can always store.

Valid JSON can still be unstorable: NUL characters, lone surrogates, NaN/Infinity/1e999 and
deep nesting are refused by JSONB or by the encoders on the way. Such values are replaced
(U+FFFD, a string naming the number, null below MAX_DEPTH) and the delivery keeps its raw body.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ops.json_read import read_fast
from routing.fields import clean

# GitHub payloads nest about ten levels; far deeper trees only come from fuzzers and attacks.
MAX_DEPTH = 64
# Deeper than this the body is refused (400; RFC 8259 section 9 lets a parser limit nesting).
# Python's parser recurses once per level, so without this fixed bound the answer would depend
# on how deep the caller's stack is (about 950 levels parsed or not, by call site).
MAX_PARSE_DEPTH = 512
_TOO_DEEP = f"JSON nested deeper than {MAX_PARSE_DEPTH} levels"
# A NUL or a lone surrogate reaches a decoded string only through one of these in the body:
# an escape (\u0000, \udXXX), or the raw bytes themselves (json.loads lets both through).
_ESCAPES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_RAW_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")


class _NotFinite(Exception):
    """NaN, Infinity or a number past a float's range: the body is decoded again, leniently."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite
    return value


def _not_finite(text: str) -> float:
    raise _NotFinite


_FINITE = json.JSONDecoder(parse_float=_finite, parse_constant=_not_finite)


def _fast(body: bytes) -> dict[str, Any] | None:
    """The body's object as orjson reads it (ops/json_read.py), or None when the standard
    library must decode it (anything but an object, too: its answer is an error, it words it)."""
    value = read_fast(body)
    return value if type(value) is dict else None


@dataclass(frozen=True)
class Decoded:
    payload: dict[str, Any]  # what is stored and routed ({} when unusable)
    exact: bool  # payload is exactly what was sent: no need to keep the raw body
    error: str | None = None  # why the body is not a usable JSON object
    # The body as JSON text, when `exact` and UTF-8: what PostgreSQL can store as the payload
    # without Python writing it out again.
    text: str | None = None


def decode(body: bytes) -> Decoded:
    encoding = json.detect_encoding(body)
    try:
        # As json.loads(body) decodes it: surrogates pass here, and are replaced below.
        text = body.decode(encoding, "surrogatepass")
        value = _fast(body) if encoding == "utf-8" else None
        fast, finite = value is not None, True
        if value is None:
            try:
                value = _FINITE.decode(text)
            except _NotFinite:
                value, finite = json.loads(text), False
    except RecursionError:
        return Decoded({}, False, _TOO_DEEP)
    except ValueError as exc:  # includes UnicodeDecodeError and integers over 4,300 digits
        return Decoded({}, False, clean(str(exc))[:200])
    if not isinstance(value, dict):
        return Decoded({}, False, "payload is not a JSON object")
    # A walk over the containers only (a GitHub payload has far fewer than bytes): cheaper
    # than counting the body's brackets first, which most payloads pass anyway.
    deep = not _nested_within(value, MAX_DEPTH)
    if deep and not _nested_within(value, MAX_PARSE_DEPTH):
        return Decoded({}, False, _TOO_DEEP)
    # orjson refuses lone surrogates and raw NULs: after it, only an escaped NUL is left to find.
    unstorable = b"\\u0000" in body if fast else _may_hold_unstorable_text(body)
    if not finite or unstorable or deep:
        storable, changed = _storable(value, 0)
        if changed:
            return Decoded(storable, False)
    # UTF-8 only: PostgreSQL takes the text as it is (not UTF-16/32, no byte order mark).
    return Decoded(value, True, text=text if encoding == "utf-8" else None)


def _may_hold_unstorable_text(body: bytes) -> bool:
    """Whether a string in `body` may decode to a NUL or a lone surrogate (substring checks
    first: they are far cheaper than a regular expression over the whole body)."""
    return (
        b"\x00" in body
        # One byte first: `b"\\u" in body` is a slow two-byte search when nothing matches.
        or (b"\\" in body and _ESCAPES.search(body) is not None)
        or (b"\xed" in body and _RAW_SURROGATE.search(body) is not None)
    )


def _nested_within(value: dict[str, Any], limit: int) -> bool:
    """No object or array at depth `limit` or below (the top object is depth 0)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return True
    return False


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

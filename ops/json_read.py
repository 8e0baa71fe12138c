"""JSON text read by orjson where it reads exactly as the standard library, by the standard
library elsewhere: a request body (delivery/decode.py) and every JSON column PostgreSQL sends
back (db/engine.py), e.g. the payload of each row the webhook log writes out.

orjson parses a 14 KB GitHub payload in about a third of the standard library's time. What it
refuses goes to the standard library, which gives its own answer or error: NaN, Infinity and
1e999, lone surrogates, a byte order mark, invalid UTF-8, trailing data. What it reads, it reads
as the standard library does, except integers past 64 bits, which it makes floats: text with 19
digits in a row anywhere (a number or not) goes to the standard library too.
"""

from __future__ import annotations

import json
from typing import Any, Final

import orjson

NOT_READ: Final = object()  # read_fast's answer when the standard library must read the text
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_NUMBER = b"0" * 19


def read_fast(data: bytes) -> Any:
    """What orjson reads in `data` (UTF-8), or NOT_READ when the standard library must read it."""
    if _LONG_NUMBER in data.translate(_DIGITS_ONLY):
        return NOT_READ
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return NOT_READ


def loads(data: bytes | str) -> Any:
    """json.loads(data), read by orjson when it reads it the same."""
    if isinstance(data, str):
        try:
            raw = data.encode()
        except UnicodeEncodeError:  # lone surrogates: only the standard library takes them
            return json.loads(data)
    else:
        raw = data
    value = read_fast(raw)
    return json.loads(data) if value is NOT_READ else value

"""A body's object is read by orjson when it reads it as the standard library does
(ops/json_read.py); otherwise decode() takes the standard library's path, with its answers."""

from __future__ import annotations

import pytest

from delivery.decode import _fast, decode


@pytest.mark.parametrize(
    "number",
    [
        "9223372036854775807",
        "-9223372036854775809",
        "18446744073709551616",
        "123456789012345678901234567890",
        "-123456789012345678901234567890",
    ],
)
def test_integers_past_64_bits_stay_integers(number: str) -> None:
    decoded = decode(f'{{"id": {number}, "n": [{number}]}}'.encode())
    assert decoded.exact and decoded.payload == {"id": int(number), "n": [int(number)]}
    assert type(decoded.payload["id"]) is int


def test_a_body_the_fast_parse_refuses_is_decoded_as_before() -> None:
    # orjson refuses each of these; the standard library's path gives the answers it gave.
    assert decode(b'{"a": NaN}').payload == {"a": "nan"}
    assert decode(b'{"a": 1e999}').payload == {"a": "inf"}
    assert decode(b'{"a": "\\ud800"}').payload == {"a": "\ufffd"}
    assert decode(b'\xef\xbb\xbf{"a": 1}').payload == {"a": 1}
    assert decode(b'{"a": 1} x').error == "Extra data: line 1 column 10 (char 9)"


def test_an_escaped_nul_read_by_the_fast_parse_is_still_replaced() -> None:
    # orjson reads \u0000 (it refuses lone surrogates and raw NULs); PostgreSQL cannot store it.
    decoded = decode(b'{"a": "x\\u0000y", "b": "\\u00e9"}')
    assert _fast(b'{"a": "x\\u0000y"}') == {"a": "x\x00y"}
    assert not decoded.exact and decoded.payload == {"a": "x\ufffdy", "b": "\u00e9"}

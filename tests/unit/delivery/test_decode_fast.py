"""The fast parse (orjson) reads a body exactly as the standard library does, or leaves it to the
standard library: same values and types, nothing accepted that the standard library refuses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delivery.decode import _fast, decode


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types all the way down (1 == 1.0 == True do not count)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values, st.booleans(), st.sampled_from([None, 2]))
def test_values_read_by_the_fast_parse_are_the_standard_librarys(
    value: Any, ascii_only: bool, indent: int | None
) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode()
    fast = _fast(body)
    if isinstance(value, dict) and not re.search(rb"[0-9]{19}", body):
        assert fast is not None, body  # the path an object without 19 digits in a row takes
    if fast is not None:
        assert same(fast, json.loads(body)), body


# Pieces of JSON and of what is almost JSON: glued at random they make bodies both parsers must
# judge alike.
TOKENS = [
    b"{", b"}", b"[", b"]", b",", b":", b" ", b"\t", b"\n", b'"a"', b'"\\u00e9"', b'"\\ud800"',
    b'"\\x"', b'"\x01"', b'"\xed\xa0\x80"', b'"\xff"', b"0", b"01", b"-0", b"1.", b".5", b"1e5",
    b"1E+2", b"-", b"+1", b"1e999", b"NaN", b"Infinity", b"true", b"True", b"null", b"nul",
    b"12345678901234567890", b"9223372036854775808", b"/*c*/", b"'a'", b"\xef\xbb\xbf", b"\x00",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12))
def test_nothing_the_standard_library_refuses_passes_the_fast_parse(tokens: list[bytes]) -> None:
    body = b"".join(tokens)
    try:
        expected: Any = json.loads(body)
    except (ValueError, RecursionError):
        assert _fast(body) is None, body
        return
    fast = _fast(body)
    if fast is not None:
        assert same(fast, expected), body


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

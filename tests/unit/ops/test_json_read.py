"""JSON read by orjson exactly as the standard library reads it, or left to the standard library
(ops/json_read.py): same values and types, nothing accepted that the standard library refuses."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ops.json_read import NOT_READ, loads, read_fast


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types all the way down (1 == 1.0 == True do not count)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return b != b  # NaN
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
def test_values_read_by_orjson_are_the_standard_librarys(
    value: Any, ascii_only: bool, indent: int | None
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    body = text.encode()
    fast = read_fast(body)
    if not re.search(rb"[0-9]{19}", body):
        assert fast is not NOT_READ, body  # orjson's path, without 19 digits in a row
    if fast is not NOT_READ:
        assert same(fast, json.loads(body)), body
    assert same(loads(body), value) and same(loads(text), value)


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
def test_nothing_the_standard_library_refuses_passes_orjson(tokens: list[bytes]) -> None:
    body = b"".join(tokens)
    try:
        expected: Any = json.loads(body)
    except (ValueError, RecursionError) as exc:
        assert read_fast(body) is NOT_READ, body
        with pytest.raises(type(exc)):
            loads(body)
        return
    fast = read_fast(body)
    if fast is not NOT_READ:
        assert same(fast, expected), body
    assert same(loads(body), expected)


@pytest.mark.parametrize(
    "text",
    ['{"id": 123456789012345678901234567890}', "[-9223372036854775809]", '"\\ud800"', "NaN"],
)
def test_what_orjson_would_misread_or_refuses_the_standard_library_reads(text: str) -> None:
    assert same(loads(text), json.loads(text))
    assert same(loads(text.encode()), json.loads(text))
    assert read_fast(text.encode()) is NOT_READ


def test_text_with_lone_surrogates_is_read_by_the_standard_library() -> None:
    assert loads('{"a": "\ud800"}') == {"a": "\ud800"}  # a str orjson cannot be given

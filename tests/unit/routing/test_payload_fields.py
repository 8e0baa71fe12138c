"""Typed payload accessors and body decoding: any JSON in, a known type or a storable copy out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from delivery.decode import MAX_DEPTH, _storable, decode
from routing import fields as f


@pytest.mark.parametrize(
    "value, expected",
    [
        ("x", "x"),
        ("", None),
        (1, None),
        (None, None),
        ({"a": 1}, None),
        ("a\x00b", "a\ufffdb"),
        ("\ud800", "\ufffd"),
        ("y" * 2000, "y" * 1023 + "…"),
    ],
)
def test_text_returns_clean_bounded_strings_only(value: Any, expected: str | None) -> None:
    assert f.text(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (42, 42),
        (0, None),
        (-1, None),
        (2**31 - 1, 2**31 - 1),
        (2**31, None),
        (True, None),
        (1.0, None),
        ("42", None),
        (None, None),
        (float("inf"), None),
    ],
)
def test_number_accepts_only_issue_sized_ints(value: Any, expected: int | None) -> None:
    assert f.number(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("octo-org/octo-repo", "octo-org/octo-repo"),
        ("a/b/c", None),
        ("a", None),
        ("/b", None),
        ("o/" + "r" * 101, None),
        ("o" * 100 + "/r", None),
        (["o/r"], None),
        ("o/r\n", None),
        ("o r/x", None),
    ],
)
def test_repo_name_accepts_only_owner_slash_name(value: Any, expected: str | None) -> None:
    assert f.repo_name(value) == expected


def test_fit_keeps_long_values_distinct_and_bounded() -> None:
    a, b = f.fit("x" * 300 + "1", 100), f.fit("x" * 300 + "2", 100)
    assert a != b and len(a) == len(b) == 100
    assert f.fit("short", 100) == "short"


def test_get_walks_objects_and_stops_at_anything_else() -> None:
    payload = {"a": {"b": {"c": 1}}, "l": [1]}
    assert f.get(payload, "a", "b", "c") == 1
    assert f.get(payload, "l", "x") is None and f.get(None, "a") is None


@pytest.mark.parametrize(
    "body, exact, error",
    [
        (b'{"a": 1}', True, None),
        (b'{"a": "\\u0000"}', False, None),
        (b'{"a": "\\ud800"}', False, None),
        (b'{"\\u0000": 1}', False, None),
        (b'{"a": NaN}', False, None),
        (b'{"a": [1e999]}', False, None),
        (b"[1]", False, "payload is not a JSON object"),
        (b"", False, "Expecting value"),
        (b"\xff", False, "codec"),
        (b"[" * 5000 + b"]" * 5000, False, "nested"),
    ],
)
def test_decode_marks_what_had_to_change(body: bytes, exact: bool, error: str | None) -> None:
    decoded = decode(body)
    assert decoded.exact is exact
    if error is None:
        assert decoded.error is None
        # What is stored is strict JSON with no NUL and valid UTF-8.
        text = json.dumps(decoded.payload, allow_nan=False, ensure_ascii=False)
        assert "\\u0000" not in text
        text.encode("utf-8")
    else:
        assert decoded.error is not None and error in decoded.error


def test_decode_cuts_nesting_below_max_depth() -> None:
    depth = MAX_DEPTH + 10
    decoded = decode(b'{"a":' * depth + b"1" + b"}" * depth)
    assert decoded.error is None and not decoded.exact
    node: Any = decoded.payload
    levels = 0
    while isinstance(node, dict):
        node, levels = node["a"], levels + 1
    assert levels == MAX_DEPTH and node is None


def _nest(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize(
    "body, exact",
    [
        ('{"t": "한국어 \\\\u0000 \\\\ud800"}'.encode(), True),  # Hangul, escaped backslashes
        (b'{"a": "\\ud83d\\ude00"}', True),  # a surrogate pair is one character
        (b'{"a": "\xed\xa0\x80"}', False),  # a raw lone surrogate
        (b'{"a": 1e308, "b": 1e-400, "c": "NaN"}', True),
        (b'{"a": -Infinity}', False),
        (b'{"a": 1' + b"0" * 400 + b".5}", False),
        (b"\xef\xbb\xbf" + b'{"bom": 1}', True),
        (_nest(MAX_DEPTH), True),  # the top object is depth 0: the deepest is MAX_DEPTH - 1
        (_nest(MAX_DEPTH + 1), False),
    ],
)
def test_decode_skips_the_value_walk_only_when_it_would_change_nothing(
    body: bytes, exact: bool
) -> None:
    decoded = decode(body)
    assert decoded.error is None and decoded.exact is exact
    walked, changed = _storable(json.loads(body), 0)
    assert decoded.payload == walked and changed is not exact


@pytest.mark.parametrize(
    "body, text",
    [
        (b'{"a": 1.10}', '{"a": 1.10}'),
        ("\ufeff".encode() + b'{"a": 1}', None),  # byte order mark
        ('{"a": 1}'.encode("utf-16"), None),
        (b'{"a": "\\u0000"}', None),  # not exact: the cleaned payload is stored instead
    ],
)
def test_decode_gives_the_body_as_text_only_when_it_is_the_payload(
    body: bytes, text: str | None
) -> None:
    assert decode(body).text == text

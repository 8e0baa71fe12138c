"""A delivery's payload for people: a folded tree while it is small enough to draw, else pretty
JSON cut at a bound; raw bytes as text and a hex dump, also bounded (a body may be 25 MB)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TREE_MAX_NODES = 4000
TEXT_MAX_CHARS = 512 * 1024
RAW_TEXT_BYTES = 64 * 1024
HEX_BYTES = 4096


def count_nodes(value: Any, limit: int) -> int:
    """JSON values in `value`, counting stops past `limit` (iterative: nesting is unbounded)."""
    seen, stack = 0, [value]
    while stack and seen <= limit:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return seen


@dataclass(frozen=True)
class PayloadView:
    tree: Any  # the payload to draw as a tree, or None when too large for one
    text: str  # pretty JSON, cut at TEXT_MAX_CHARS
    text_cut: bool
    chars: int  # length of the whole pretty text


def payload_view(payload: Any) -> PayloadView:
    text = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
    small = count_nodes(payload, TREE_MAX_NODES) <= TREE_MAX_NODES
    cut = len(text) > TEXT_MAX_CHARS
    return PayloadView(payload if small else None, text[:TEXT_MAX_CHARS], cut, len(text))


@dataclass(frozen=True)
class HexLine:
    offset: str
    hex: str
    ascii: str


@dataclass(frozen=True)
class RawView:
    size: int
    text: str  # the first RAW_TEXT_BYTES as UTF-8; undecodable bytes, controls shown as U+FFFD
    text_cut: bool
    hex: list[HexLine]
    hex_cut: bool


_CONTROLS = {c: "\ufffd" for c in range(32) if chr(c) not in "\t\n\r"} | {127: "\ufffd"}


def raw_view(data: bytes) -> RawView:
    head = data[:HEX_BYTES]
    lines = []
    for start in range(0, len(head), 16):
        chunk = head[start : start + 16]
        lines.append(
            HexLine(
                f"{start:08x}",
                " ".join(f"{b:02x}" for b in chunk),
                "".join(chr(b) if 32 <= b < 127 else "." for b in chunk),
            )
        )
    return RawView(
        size=len(data),
        text=data[:RAW_TEXT_BYTES].decode("utf-8", errors="replace").translate(_CONTROLS),
        text_cut=len(data) > RAW_TEXT_BYTES,
        hex=lines,
        hex_cut=len(data) > HEX_BYTES,
    )

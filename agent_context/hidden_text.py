"""Text people cannot see on GitHub, removed before it reaches an agent or a prompt. Pure.

Removed: HTML comments, elements GitHub drops with their content (script, style, iframe, svg,
…), titles of Markdown link reference definitions (`[//]: # (hidden)`), and characters that
render as nothing: zero-width and bidirectional controls, tag characters, variation selectors
(Unicode's Default_Ignorable_Code_Point). Everything visible stays, `<details>` included. When in
doubt it removes (a comment inside a code block is visible on GitHub, and is removed anyway):
losing a visible snippet is cheap, passing on an invisible instruction is not.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# Elements GitHub's sanitizer removes together with their content (those of the Sanitize gem's
# remove_contents, plus a few that can only hide text).
HIDDEN_ELEMENTS = (
    "script",
    "style",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "svg",
    "math",
    "xmp",
    "template",
    "object",
    "title",
    "head",
)
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): these render as nothing.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_COMMENT = re.compile(r"<!--(?:>|->|.*?-->)|<!--.*\Z", re.S)
_ELEMENT = re.compile(
    r"<(" + "|".join(HIDDEN_ELEMENTS) + r")\b[^>]*>.*?(?:</\1\s*>|\Z)", re.S | re.I
)
_LINK_TITLE = re.compile(
    r"^( {0,3}\[[^\]\n]+\]:[ \t]*\S+)[ \t]+(\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\))[ \t]*$", re.M
)
MAX_SHOWN = 2000  # characters of one removed piece kept in the record
MAX_REMOVALS = 200  # pieces recorded per text


@dataclass(frozen=True)
class Removal:
    kind: str  # html-comment | hidden-element | link-title | invisible-characters
    text: str  # what was removed (cut to MAX_SHOWN), or the characters and their counts

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class Cleaned:
    text: str
    removed: tuple[Removal, ...]


def _shown(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + f"… ({len(text)} characters)"


def _char_name(char: str) -> str:
    name = unicodedata.name(char, "") or f"TAG or reserved {ord(char):#x}"
    return f"U+{ord(char):04X} {name}"


def clean(text: str) -> Cleaned:
    """`text` without what GitHub does not show, and what was taken out."""
    removed: list[Removal] = []

    def cut(kind: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            if len(removed) < MAX_REMOVALS:
                removed.append(Removal(kind, _shown(match.group(0))))
            return ""

        return replace

    # Invisible characters first: they could otherwise split `<!` `--` and escape the patterns.
    counts = Counter(INVISIBLE.findall(text))
    if counts:
        text = INVISIBLE.sub("", text)
        listed = ", ".join(f"{_char_name(c)} ×{n}" for c, n in sorted(counts.items()))
        removed.append(Removal("invisible-characters", listed))
    text = _COMMENT.sub(cut("html-comment"), text)
    text = _ELEMENT.sub(cut("hidden-element"), text)

    def drop_title(match: re.Match[str]) -> str:
        if len(removed) < MAX_REMOVALS:
            removed.append(Removal("link-title", _shown(match.group(2))))
        return match.group(1)

    text = _LINK_TITLE.sub(drop_title, text)
    return Cleaned(text, tuple(removed))


def clean_optional(text: str | None) -> Cleaned:
    return clean(text) if text else Cleaned(text or "", ())

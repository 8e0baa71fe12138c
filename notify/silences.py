"""Silences as the routing decision sees them: matchers and a time window. Pure.

A silence is `pending` before startsAt, `active` until endsAt, then `expired`. Its matchers
follow Alertmanager's rules: at least one, and at least one that does not match the empty
string (a silence of everything is a mistake, not a choice).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from contract.statuses import SilenceState
from notify.matchers import Matcher, MatcherError, matches_all, parse_matchers

MAX_MATCHERS = 20


@dataclass(frozen=True)
class Window:
    """When a silence holds: `pending` before starts_at, `active` until ends_at, then `expired`."""

    starts_at: datetime
    ends_at: datetime

    def state(self, now: datetime) -> SilenceState:
        if now < self.starts_at:
            return SilenceState.PENDING
        return SilenceState.ACTIVE if now < self.ends_at else SilenceState.EXPIRED


@dataclass(frozen=True, kw_only=True)
class SilenceView(Window):
    """A silence as the routing decision reads it: its window, matchers and whether it ends
    when the group it silences is resolved."""

    id: str
    matchers: tuple[Matcher, ...]
    ends_when_resolved: bool = False

    def silences(self, labels: Mapping[str, str], now: datetime) -> bool:
        return self.state(now) == SilenceState.ACTIVE and matches_all(self.matchers, labels)


def silence_matchers(texts: Iterable[object]) -> tuple[Matcher, ...]:
    """The matchers of a new silence; raises MatcherError saying which one is wrong."""
    items = list(texts)
    if not items:
        raise MatcherError('a silence needs at least one matcher, e.g. repo="acme/api"')
    if len(items) > MAX_MATCHERS:
        raise MatcherError(f"at most {MAX_MATCHERS} matchers")
    found = parse_matchers(items)
    if all(m.matches({m.name: ""}) for m in found):
        raise MatcherError(
            "every matcher also matches an empty label: the silence would mute everything "
            '(add one like repo="acme/api")'
        )
    return tuple(found)


def silencing(
    silences: Sequence[SilenceView], labels: Mapping[str, str], now: datetime
) -> SilenceView | None:
    """The active silence that keeps these labels quiet longest, or None."""
    found = [s for s in silences if s.silences(labels, now)]
    return max(found, key=lambda s: (s.ends_at, s.id)) if found else None

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
class SilenceView:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    ends_when_resolved: bool = False

    def state(self, now: datetime) -> SilenceState:
        return silence_state(self.starts_at, self.ends_at, now)

    def silences(self, labels: Mapping[str, str], now: datetime) -> bool:
        return self.state(now) == SilenceState.ACTIVE and matches_all(self.matchers, labels)


def silence_state(starts_at: datetime, ends_at: datetime, now: datetime) -> SilenceState:
    if now < starts_at:
        return SilenceState.PENDING
    if now < ends_at:
        return SilenceState.ACTIVE
    return SilenceState.EXPIRED


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

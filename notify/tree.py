"""The routing tree: which routes, and so which receivers, a notification's labels reach. Pure.

Alertmanager's rules: a route matches when all its matchers do; its children are tried in
order and the first that matches wins, unless it says `continue: true`, when the next ones are
tried too; a route none of whose children match is itself the match. A child inherits its
parent's receiver, group_by and intervals unless it sets its own; mute_time_intervals and
active_time_intervals are the route's own (not inherited).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

from notify.matchers import Matcher, matches_all


@dataclass(frozen=True)
class Route:
    """One node of the tree, as written (None: inherit)."""

    path: str  # where it is in the file: "route", "route.routes[0]", …
    receiver: str | None = None
    matchers: tuple[Matcher, ...] = ()
    continue_: bool = False
    group_by: tuple[str, ...] | None = None
    group_wait: timedelta | None = None
    group_interval: timedelta | None = None
    repeat_interval: timedelta | None = None
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()

    def walk(self) -> list[Route]:
        """This route and every route below it, depth first."""
        return [self, *(r for child in self.routes for r in child.walk())]


@dataclass(frozen=True)
class RouteOpts:
    """What a route resolves to once inheritance is applied."""

    receiver: str
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta


@dataclass(frozen=True)
class Reached:
    """A route a notification reaches, with its resolved options."""

    path: str
    opts: RouteOpts
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    matchers: tuple[Matcher, ...] = field(default=(), compare=False)


def _resolve(route: Route, parent: RouteOpts) -> RouteOpts:
    return replace(
        parent,
        receiver=route.receiver or parent.receiver,
        group_by=route.group_by if route.group_by is not None else parent.group_by,
        group_wait=route.group_wait if route.group_wait is not None else parent.group_wait,
        group_interval=(
            route.group_interval if route.group_interval is not None else parent.group_interval
        ),
        repeat_interval=(
            route.repeat_interval if route.repeat_interval is not None else parent.repeat_interval
        ),
    )


def _match(route: Route, opts: RouteOpts, labels: Mapping[str, str]) -> list[Reached]:
    if not matches_all(route.matchers, labels):
        return []
    reached: list[Reached] = []
    for child in route.routes:
        found = _match(child, _resolve(child, opts), labels)
        reached.extend(found)
        if found and not child.continue_:
            break
    if not reached:
        reached.append(
            Reached(
                route.path,
                opts,
                route.mute_time_intervals,
                route.active_time_intervals,
                route.matchers,
            )
        )
    return reached


def match_routes(root: Route, labels: Mapping[str, str], defaults: RouteOpts) -> list[Reached]:
    """Every route the labels reach, in tree order (the root's when no other matches).
    `defaults` fill what the root leaves unset (the NOTIFY_GROUP_* settings)."""
    return _match(root, _resolve(root, defaults), labels)


def receivers_reached(reached: list[Reached]) -> list[str]:
    """The receivers of the reached routes, each once, in order."""
    return list(dict.fromkeys(r.opts.receiver for r in reached))

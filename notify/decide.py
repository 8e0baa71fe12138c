"""The routing decision for one notification: which receivers it reaches and, at each, whether
it goes out, is silenced or is muted by a time interval. Pure: the activity that records and
sends notifications calls it (activities/notify_routes.py), and so does `hookflow notify test`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from contract.notify_plan import NotifyPlan, NotifyTiming, ReceiverPlan
from contract.statuses import NotificationStatus
from notify.config import NotifyConfig
from notify.intervals import MuteState, route_mute
from notify.silences import SilenceView, silencing
from notify.tree import Reached, match_routes


def timing_of(reached: Reached) -> NotifyTiming:
    o = reached.opts
    return NotifyTiming(
        group_wait_seconds=o.group_wait.total_seconds(),
        group_interval_seconds=o.group_interval.total_seconds(),
        repeat_interval_seconds=o.repeat_interval.total_seconds(),
        group_by=list(o.group_by),
    )


def first_timing(config: NotifyConfig, labels: Mapping[str, str]) -> NotifyTiming:
    """The timing of the first route the labels reach (what a CI group keeps)."""
    return timing_of(match_routes(config.route, labels, config.defaults)[0])


def _mute(config: NotifyConfig, reached: Reached, now: datetime) -> MuteState | None:
    intervals = config.time_intervals
    return route_mute(
        [intervals[n] for n in reached.mute_time_intervals if n in intervals],
        [intervals[n] for n in reached.active_time_intervals if n in intervals],
        now,
    )


def config_label(config: NotifyConfig) -> str:
    return f"{config.source}@{config.digest}" if config.digest else config.source


def decide(
    config: NotifyConfig,
    labels: Mapping[str, str],
    *,
    silences: Sequence[SilenceView] = (),
    now: datetime,
) -> NotifyPlan:
    """Each receiver the labels reach (once, in tree order) and what becomes of the
    notification there. A silence wins over a mute (it names who asked for quiet); a receiver
    reached by several routes is muted only when every one of them is."""
    reached = match_routes(config.route, labels, config.defaults)
    silence = silencing(silences, labels, now)
    by_receiver: dict[str, list[Reached]] = {}
    for r in reached:
        by_receiver.setdefault(r.opts.receiver, []).append(r)
    plans = []
    for name, routes in by_receiver.items():
        receiver = config.receiver(name)
        sinks = receiver.sinks if receiver else []
        notice = receiver.silence_end_notice if receiver else True
        if silence is not None:
            plans.append(
                ReceiverPlan(
                    name,
                    NotificationStatus.SILENCED,
                    sinks,
                    routes[0].path,
                    silence_id=silence.id,
                    until=silence.ends_at.isoformat(),
                    silence_end_notice=notice,
                )
            )
            continue
        mutes = [(r, _mute(config, r, now)) for r in routes]
        open_route = next((r for r, m in mutes if m is None), None)
        if open_route is not None:
            plans.append(ReceiverPlan(name, NotificationStatus.PENDING, sinks, open_route.path))
            continue
        route, mute = mutes[0]
        assert mute is not None
        plans.append(
            ReceiverPlan(
                name,
                NotificationStatus.MUTED,
                sinks,
                route.path,
                interval=mute.interval,
                until=mute.until.isoformat() if mute.until else None,
                silence_end_notice=notice,
            )
        )
    return NotifyPlan(plans, timing_of(reached[0]), config_label(config))

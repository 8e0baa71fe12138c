"""Issue 23's target table from one suite run: each figure beside its peer and the target."""

from __future__ import annotations

from typing import Any

from bench.ingest import Measured
from bench.ingest_report import ratios


def _fmt(value: float | None, spec: str = ".2f", unit: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{unit}"


def _met(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "NOT met")


def rows(
    ingest: dict[str, Measured] | None,
    e2e: dict[str, Any] | None,
    burst: dict[str, Any] | None,
    outage: dict[str, Any] | None,
) -> list[tuple[str, str, str, str]]:
    """(figure, measured (with its peer), target, met)."""
    out: list[tuple[str, str, str, str]] = []
    if ingest:
        r = ratios(ingest)
        group = ingest.get("group")
        for key, label in (
            ("ignored", "recorded-only path, × group-commit peer"),
            ("ignored_nolog", "recorded-only path, no webhook log files, × group-commit peer"),
        ):
            ignored = ingest.get(key)
            if not (ignored and group):
                continue
            x = r.get(f"{key}_rate_x_group")
            cpu = r.get(f"{key}_cpu_x_group")
            out.append(
                (
                    label,
                    f"{ignored.rate:,.0f} vs {group.rate:,.0f} req/s = {_fmt(x)}× "
                    f"(CPU per delivery {ignored.cpu_total:.2f} vs {group.cpu_total:.2f} ms = "
                    f"{_fmt(cpu)}×); p99 {ignored.p99_ms:.1f} ms (peer {group.p99_ms:.1f})",
                    "≥ 0.9× (moonshot 1.0×), p99 ≤ 15 ms",
                    _met(x is not None and x >= 0.9 and ignored.p99_ms <= 15),
                )
            )
        ai_run, start = ingest.get("ai_run"), ingest.get("start")
        if ai_run and start:
            s, a = r.get("ai_run_sustained_x_start"), r.get("ai_run_acks_x_start")
            out.append(
                (
                    "ai:run sustained, × record+start peer",
                    f"{_fmt(ai_run.sustained, '.1f')} vs {_fmt(start.sustained, '.1f')}/s = "
                    f"{_fmt(s)}×; acks {ai_run.rate:,.0f} vs {start.rate:,.0f} req/s = {_fmt(a)}×",
                    "≥ 0.95×; acks ≥ 0.7×",
                    _met(s is not None and a is not None and s >= 0.95 and a >= 0.7),
                )
            )
    if e2e:
        for name, label in (
            ("notification recorded (all kinds)", "webhook → notification recorded, 10/s"),
            ("AI Maestro received (all kinds)", "webhook → notification sent, 10/s"),
        ):
            f = e2e.get(name)
            if f:
                p50, p90, p99 = f["p50_ms"], f["p90_ms"], f["p99_ms"]
                out.append(
                    (
                        label,
                        f"p50 {_fmt(p50, '.0f')} ms, p90 {_fmt(p90, '.0f')}, "
                        f"p99 {_fmt(p99, '.0f')} (n {f['n']}, missing {f['missing']})",
                        "p50 ≤ 150 ms, p99 ≤ 1 s",
                        _met(p50 is not None and p99 is not None and p50 <= 150 and p99 <= 1000),
                    )
                )
        running = e2e.get("run RUNNING in the DB")
        if running:
            p50 = running["p50_ms"]
            out.append(
                (
                    "webhook → run RUNNING, 10/s",
                    f"p50 {_fmt(p50, '.0f')} ms, p90 {_fmt(running['p90_ms'], '.0f')}",
                    "p50 ≤ 75 ms",
                    _met(p50 is not None and p50 <= 75),
                )
            )
    if outage:
        took = outage.get("all_started_after_s")
        out.append(
            (
                f"{outage['deliveries']:,} pending after a {outage['outage_seconds']:g} s "
                "Temporal outage, all started",
                f"{_fmt(took, '.1f', ' s')} after its return "
                f"({outage['pending_during_outage']} pending)",
                "≤ 15 s",
                _met(took is not None and took <= 15),
            )
        )
    if burst:
        rss = burst.get("api_rss_mb") or []
        worst = max(rss) if rss else None
        out.append(
            (
                f"API RSS after a {burst['deliveries']:,} burst",
                f"{_fmt(worst, '.0f', ' MB')} (drained {burst['drained']}, lost {burst['lost']})",
                "≤ 150 MB",
                _met(worst is not None and worst <= 150),
            )
        )
    return out


def render(table: list[tuple[str, str, str, str]]) -> str:
    lines = ["| figure | measured (peer, same run) | target | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in table]
    return "\n".join(lines)

"""The ingest rows' report: the median of several rounds, the ratios to the peers, the table and
the JSON the suite prints (bench/ingest.py measures them)."""

from __future__ import annotations

import statistics
from typing import Any

from bench.ingest import PARTS, Measured


def median_row(samples: list[Measured]) -> Measured:
    """A row's median over rounds (each figure on its own)."""

    def med(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    def cpu_of(which: str) -> dict[str, float]:
        cpu = {}
        for part in PARTS:
            value = med([getattr(s, which).get(part) for s in samples])
            cpu[part] = float("nan") if value is None else value
        return cpu

    first = samples[0]
    return Measured(
        first.row,
        med([s.rate for s in samples]) or 0.0,
        med([s.p50_ms for s in samples]) or 0.0,
        med([s.p99_ms for s in samples]) or 0.0,
        sum(s.non_2xx for s in samples),
        sum(s.acked for s in samples),
        cpu_of("cpu_ms"),
        med([s.sustained for s in samples]),
        sum(s.started or 0 for s in samples) if first.row.starts else None,
        cpu_of("cpu_ms_started"),
    )


def ratios(by_key: dict[str, Measured]) -> dict[str, float | None]:
    """The issue's ratios from one pass (or the medians)."""

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    group, start = by_key.get("group"), by_key.get("start")
    ai_run = by_key.get("ai_run")
    out: dict[str, float | None] = {}
    for key in ("ignored", "ignored_nolog"):
        mine = by_key.get(key)
        if group and mine:
            out[f"{key}_rate_x_group"] = ratio(mine.rate, group.rate)
            out[f"{key}_cpu_x_group"] = ratio(group.cpu_total, mine.cpu_total)
            out[f"{key}_api_cpu_x_group"] = ratio(group.cpu_ms["api"], mine.cpu_ms["api"])
    if start and ai_run:
        out["ai_run_sustained_x_start"] = ratio(ai_run.sustained, start.sustained)
        out["ai_run_acks_x_start"] = ratio(ai_run.rate, start.rate)
        out["ai_run_cpu_x_start"] = ratio(start.cpu_total, ai_run.cpu_total)
    return out


def render(rows: list[Measured]) -> str:
    group = next((r for r in rows if r.row.key == "group"), None)
    lines = [
        "| system (path) | req/s | p50 ms | p99 ms | sustained/s | CPU ms per delivery: "
        "API · PostgreSQL · Temporal · worker = total | × group-commit peer (req/s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in rows:
        cpu = " · ".join(f"{m.cpu_ms[p]:.2f}" for p in PARTS) + f" = {m.cpu_total:.2f}"
        sustained = "—"
        if m.sustained:
            until = sum(v for v in m.cpu_ms_started.values() if v == v)
            sustained = f"{m.sustained:.1f} (CPU {until:.1f} ms/delivery until started)"
        ratio = f"{m.rate / group.rate:.2f}" if group and group.rate else "—"
        errors = f" ({m.non_2xx} non-2xx)" if m.non_2xx else ""
        lines.append(
            f"| {m.row.name}{errors} | {m.rate:,.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | "
            f"{sustained} | {cpu} | {ratio} |"
        )
    return "\n".join(lines)


def as_json(m: Measured) -> dict[str, Any]:
    return {
        "key": m.row.key,
        "name": m.row.name,
        "rate": m.rate,
        "p50_ms": m.p50_ms,
        "p99_ms": m.p99_ms,
        "non_2xx": m.non_2xx,
        "acked": m.acked,
        "cpu_ms": m.cpu_ms,
        "cpu_total_ms": m.cpu_total,
        "cpu_ms_until_started": m.cpu_ms_started,
        "sustained": m.sustained,
        "started": m.started,
    }

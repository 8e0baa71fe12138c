"""webhook_latency's report: the table (with the full/bare ratios) printed above its JSON line."""

from __future__ import annotations

COLUMNS = ("target", "ok", "p50_ms", "p90_ms", "p99_ms", "max_ms", "deliveries_per_s", "statuses")


def ratios(full: dict[str, object], bare: dict[str, object]) -> dict[str, float | None]:
    def ratio(key: str) -> float | None:
        a, b = full[key], bare[key]
        if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
            return None
        return round(a / b, 2)

    return {"p50": ratio("p50_ms"), "p99": ratio("p99_ms"), "throughput": ratio("deliveries_per_s")}


def render_table(rows: list[dict[str, object]], ratio: dict[str, float | None] | None) -> str:
    cells = [[str(c) for c in COLUMNS]]
    for row in rows:
        statuses = row["statuses"]
        assert isinstance(statuses, dict)
        cells.append(
            [
                *(str(row[c]) for c in COLUMNS[:-1]),
                " ".join(f"{k}×{v}" for k, v in statuses.items()),
            ]
        )
    if ratio is not None:
        cells.append(
            [
                "full/bare",
                "",
                str(ratio["p50"]),
                "",
                str(ratio["p99"]),
                "",
                str(ratio["throughput"]),
                "",
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)

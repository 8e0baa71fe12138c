"""What the agent asked the egress proxy for: one entry per connection (host, port, allowed or
refused and why, bytes each way, time), bounded, as stored in a run's `network` artifact."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_ENTRIES = 1000  # per phase; further connections are only counted
MAX_REFUSED_LISTED = 20  # refused host:port pairs a comment names


@dataclass
class Connection:
    host: str
    port: int
    verdict: str  # allowed | refused | failed (allowed, but the upstream did not answer)
    reason: str = ""
    address: str = ""  # what the proxy connected to (never the agent's idea of it)
    method: str = "CONNECT"
    bytes_out: int = 0  # agent → host
    bytes_in: int = 0  # host → agent
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    seconds: float = 0.0
    _t0: float = field(default_factory=time.monotonic, repr=False)

    def finish(self) -> None:
        self.seconds = round(time.monotonic() - self._t0, 3)

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    @property
    def target(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass
class NetworkLog:
    phase: str = ""
    entries: list[Connection] = field(default_factory=list)
    dropped: int = 0  # connections past MAX_ENTRIES (not listed)
    dropped_refused: set[str] = field(default_factory=set)

    def add(self, entry: Connection) -> Connection:
        if len(self.entries) < MAX_ENTRIES:
            self.entries.append(entry)
        else:
            self.dropped += 1
            if entry.verdict == "refused" and len(self.dropped_refused) < MAX_REFUSED_LISTED:
                self.dropped_refused.add(entry.target)
        return entry

    def refused(self) -> list[str]:
        """Refused host:port pairs, first seen first."""
        seen = dict.fromkeys(e.target for e in self.entries if e.verdict == "refused")
        seen.update(dict.fromkeys(sorted(self.dropped_refused)))
        return list(seen)[:MAX_REFUSED_LISTED]

    def as_json(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "connections": [e.as_json() for e in self.entries],
            "notListed": self.dropped,
        }


def merge_artifact(existing: dict[str, Any] | None, log: NetworkLog) -> dict[str, Any]:
    """The run's `network` artifact with one more phase's log appended."""
    phases = list((existing or {}).get("phases") or [])
    phases.append(log.as_json())
    refused = list((existing or {}).get("refused") or [])
    refused += [t for t in log.refused() if t not in refused]
    return {"phases": phases, "refused": refused[:MAX_REFUSED_LISTED]}

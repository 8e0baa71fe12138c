"""Drive `wrk` (1 thread × C connections) with signed deliveries, each with a fresh delivery id.

The signature covers only the body, so one body can be sent many times with new
`X-GitHub-Delivery` ids; rows that need distinct bodies (a new issue per `ai:run`) pass many.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import pinning
from delivery.signature import sign

LUA = r"""
local reqs, count, idx, tid = {}, 0, 0, 0
statuses = {}
local threads, counter = {}, 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
function init(args)
  for line in io.lines(os.getenv("BENCH_FILE")) do
    local ev, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    count = count + 1
    reqs[count] = {ev, sig, body}
  end
  prefix = os.getenv("BENCH_PREFIX") .. "-" .. tostring(tid) .. "-"
end
function request()
  idx = idx + 1
  local e = reqs[((idx - 1) % count) + 1]
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json", ["User-Agent"] = "GitHub-Hookshot/bench01",
    ["X-GitHub-Event"] = e[1], ["X-Hub-Signature-256"] = e[2],
    ["X-GitHub-Delivery"] = prefix .. idx, ["X-GitHub-Hook-ID"] = "480012345"}, e[3])
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local codes = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do
      codes[tostring(code)] = (codes[tostring(code)] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%s":%d', code, n)) end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"seconds":%.3f,"p50_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,' ..
    '"socket_errors":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, table.concat(parts, ",")))
end
"""


@dataclass
class LoadResult:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    socket_errors: int
    prefix: str = ""  # every delivery id of the row starts with it
    started_at: float = 0.0  # wall clock (time.time()) when wrk began

    @property
    def ok(self) -> int:
        return sum(n for code, n in self.statuses.items() if code.startswith("2"))

    @property
    def non_2xx(self) -> int:
        return sum(self.statuses.values()) - self.ok + self.socket_errors

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which("wrk") is not None


def run_main(
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    main_async: Callable[[argparse.Namespace], Coroutine[Any, Any, int]],
) -> int:
    """A wrk bench's entry point: its arguments parsed, refused without wrk, then run."""
    args = parser.parse_args(argv)
    if not available():
        parser.error("wrk is not installed (apt-get install wrk)")
    return asyncio.run(main_async(args))


def run_wrk(
    name: str,
    url: str,
    bodies: list[tuple[str, bytes]],
    secret: bytes,
    *,
    connections: int = 16,
    seconds: float = 5.0,
    pin: bool = False,
) -> LoadResult:
    """Send (event, body) pairs round-robin for `seconds`; JSON bodies have no raw newlines."""
    with tempfile.TemporaryDirectory(prefix="hookflow-wrk-") as tmp:
        script = Path(tmp) / "bench.lua"
        script.write_text(LUA)
        data = Path(tmp) / "requests.tsv"
        with data.open("wb") as out:
            for event, body in bodies:
                out.write(f"{event}\t{sign(body, secret)}\t".encode() + body + b"\n")
        prefix = f"bench-{uuid.uuid4().hex[:12]}"
        env = {"BENCH_FILE": str(data), "BENCH_PREFIX": prefix, "PATH": "/usr/bin:/bin"}
        started_at = time.time()
        proc = subprocess.run(
            [
                *pinning.load(pin),
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                url,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    data_out = json.loads(line.removeprefix("BENCH_JSON "))
    return LoadResult(
        name=name,
        requests=data_out["requests"],
        seconds=data_out["seconds"],
        p50_ms=data_out["p50_ms"],
        p99_ms=data_out["p99_ms"],
        max_ms=data_out["max_ms"],
        statuses=data_out["statuses"],
        socket_errors=data_out["socket_errors"],
        prefix=prefix,
        started_at=started_at,
    )

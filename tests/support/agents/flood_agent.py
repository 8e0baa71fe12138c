#!/usr/bin/env python3
"""An agent that floods: 5 MB on stdout and stderr in every phase, and a 5 MB file in the
workspace in `implement` (for the bounded-history tests)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

MB = 1 << 20


def main() -> int:
    request = json.load(sys.stdin)
    sys.stderr.write("log line\n" * (5 * MB // 9))
    if request.get("phase") == "implement":
        Path("FLOOD.bin").write_bytes(os.urandom(5 * MB))
    sys.stdout.write(json.dumps({"phase": request.get("phase"), "filler": "y" * 5 * MB}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

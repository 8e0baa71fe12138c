#!/usr/bin/env bash
# Set up and run the whole test suite (real PostgreSQL and a real Temporal dev server).
# Four pytest-xdist processes share one PostgreSQL and one Temporal dev server
# (tests/support/servers.py): most tests wait on timers and other processes, so four keep two
# cores busy. Whole modules are handed out, the longest (by estimate, tests/conftest.py) first.
# Later arguments win: `./scripts/test.sh -n 0` runs in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Cache compiled modules (and pytest's rewritten tests) in __pycache__: every test process and
# every `python worker.py` or uvicorn a test starts would otherwise compile them all again.
unset PYTHONDONTWRITEBYTECODE
exec .venv/bin/python -m pytest -n 4 --dist loadscope \
  --no-loadscope-reorder "$@"

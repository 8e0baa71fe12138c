#!/usr/bin/env bash
# Set up and run the whole test suite (real PostgreSQL and a real Temporal dev server).
# Two pytest-xdist processes share one PostgreSQL and one Temporal dev server (tests/conftest.py).
# --dist loadscope keeps each module in one process: module fixtures start once, and the one
# module on the time-skipping server starts one. Arguments after ours win: `./scripts/test.sh
# -n 0` runs everything in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest -n 2 --dist loadscope "$@"

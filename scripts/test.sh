#!/usr/bin/env bash
# Set up and run the whole test suite (real PostgreSQL and a real Temporal dev server).
# Two pytest-xdist processes share one PostgreSQL and one Temporal dev server (tests/conftest.py);
# tests on the time-skipping server stay on one of them (--dist loadgroup). Arguments after ours
# win: `./scripts/test.sh -n 0` runs everything in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"

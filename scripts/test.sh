#!/usr/bin/env bash
# Set up and run the whole test suite (real PostgreSQL and a real Temporal dev server).
# `./scripts/test.sh -n 2 --dist loadscope` runs it in two pytest-xdist processes sharing one
# PostgreSQL and one Temporal dev server (tests/conftest.py); not the default: the throughput
# bounds of the fault tests do not hold reliably on a busy 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest "$@"

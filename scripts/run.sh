#!/usr/bin/env bash
# Set up and run hookflow locally on embedded defaults: Temporal dev server (with Web UI),
# the worker and the API, SQLite as the database, a generated webhook secret and API token.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --no-postgres
exec .venv/bin/python -m devstack.up "$@"

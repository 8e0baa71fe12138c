#!/usr/bin/env bash
# Set up and run the benchmarks: the project's set-up (scripts/setup.sh), then wrk (the load
# generator, from Debian's packages) when it is missing, then `python -m bench.suite` with the
# arguments given (e.g. `./scripts/bench.sh --pin --rounds 3 --outage 60 --burst 10000`).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
if ! command -v wrk >/dev/null 2>&1; then
  echo "==> installing wrk (Debian package)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
exec .venv/bin/python -m bench.suite "$@"

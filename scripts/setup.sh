#!/usr/bin/env bash
# Set up everything hookflow needs on this machine: a virtualenv with the project, PostgreSQL
# (for the tests; `--no-postgres` skips it) and the Temporal CLI (cached outside the repo).
set -euo pipefail
cd "$(dirname "$0")/.."

want_postgres=1
[ "${1:-}" = "--no-postgres" ] && want_postgres=0

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.hookflow-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "==> installing hookflow and its dependencies into .venv (versions from constraints.txt)"
  # uv installs the same pinned versions several times faster than pip (~3 s instead of ~20 s
  # once its cache is warm); pip stays the installer of the Dockerfile.
  .venv/bin/python -m pip install --quiet -c constraints.txt uv
  .venv/bin/uv pip install --quiet --python .venv/bin/python -c constraints.txt -e '.[dev]'
  touch "$stamp"
fi

# Debian packages the tests use: PostgreSQL, bubblewrap (the agent sandbox), chromium for the
# Web UI browser test (Playwright drives it; no browser is downloaded) and systemd for
# `systemd-analyze verify` of deploy/systemd (the package installs cleanly in a container).
packages=()
if [ "$want_postgres" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    && ! command -v initdb >/dev/null 2>&1; then
  packages+=(postgresql)
fi
command -v bwrap >/dev/null 2>&1 || packages+=(bubblewrap)
if [ "$want_postgres" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  packages+=(chromium)
fi
if [ "$want_postgres" = 1 ] && ! command -v systemd-analyze >/dev/null 2>&1; then
  packages+=(systemd)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${packages[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# PATH, TEMPORAL_CLI_PATH, the cached build, or a one-time `go install` (a few minutes);
# without Go the Temporal SDK downloads the dev server itself.
[ -d /usr/local/go/bin ] && export PATH="$PATH:/usr/local/go/bin"
echo "==> Temporal CLI: $(.venv/bin/python -m devstack.temporal_cli)"
# Helm for the chart tests: HELM_PATH, `helm` on PATH, the cached build beside the Temporal CLI,
# or a one-time `go install helm.sh/helm/v3/cmd/helm@v3.22.0` (about three minutes).
echo "==> Helm: $(.venv/bin/python -m devstack.helm_cli)"
# Temporal's time-skipping test server (Java, from Maven Central) for hour-long timer tests.
echo "==> Temporal time-skipping server: $(.venv/bin/python -m devstack.time_skipping)"

"""Find the Temporal CLI (dev server), building it once from the Go module proxy if needed.

Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the cached build, a fresh `go install` into the
cache; None means "let the Temporal SDK download it" (machines that can reach Temporal's site).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from devstack.tools import cache_dir, executable, go_install, named_in_env

CLI_MODULE = "github.com/temporalio/cli/cmd/temporal"
# v1.6+ cannot be `go install`ed (its go.mod has a replace directive).
CLI_VERSION = "v1.5.1"


def cached_cli() -> Path:
    return cache_dir() / "temporal"


def locate_temporal_cli() -> str | None:
    return named_in_env("TEMPORAL_CLI_PATH") or shutil.which("temporal") or executable(cached_cli())


def build_temporal_cli() -> str | None:
    """`CGO_ENABLED=0 go install …@v1.5.1` into the cache; None when Go is not installed."""
    built = go_install(CLI_MODULE, CLI_VERSION, what="the Temporal CLI")
    return str(cached_cli()) if built else None


def ensure_temporal_cli() -> str | None:
    return locate_temporal_cli() or build_temporal_cli()


if __name__ == "__main__":
    path = ensure_temporal_cli()
    print(path or "none: the Temporal SDK will download the dev server")

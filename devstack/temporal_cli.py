"""Find the Temporal CLI (dev server), building it once from the Go module proxy if needed.

Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the cached build, a fresh `go install` into the
cache; None means "let the Temporal SDK download it" (machines that can reach Temporal's site).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger("hookflow.devstack")

CLI_MODULE = "github.com/temporalio/cli/cmd/temporal"
# v1.6+ cannot be `go install`ed (its go.mod has a replace directive).
CLI_VERSION = "v1.5.1"


def cache_dir() -> Path:
    """Outside the repo, so a fresh clone reuses the build: $HOOKFLOW_CACHE_DIR/bin or
    ~/.cache/hookflow/bin."""
    explicit = os.environ.get("HOOKFLOW_CACHE_DIR")
    if explicit:
        return Path(explicit) / "bin"
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "hookflow" / "bin"


def cached_cli() -> Path:
    return cache_dir() / "temporal"


def locate_temporal_cli() -> str | None:
    explicit = os.environ.get("TEMPORAL_CLI_PATH")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise FileNotFoundError(f"TEMPORAL_CLI_PATH={explicit} is not an executable")
        return explicit
    on_path = shutil.which("temporal")
    if on_path:
        return on_path
    cached = cached_cli()
    if cached.exists() and os.access(cached, os.X_OK):
        return str(cached)
    return None


def go_binary() -> str | None:
    """Go on PATH or where its official tarball installs it; None when Go is not installed."""
    return shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )


def build_temporal_cli() -> str | None:
    """`CGO_ENABLED=0 go install …@v1.5.1` into the cache; None when Go is not installed."""
    go = go_binary()
    if go is None:
        return None
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    log.warning("building the Temporal CLI %s with Go (once; a few minutes)", CLI_VERSION)
    env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": str(target)}
    subprocess.run([go, "install", f"{CLI_MODULE}@{CLI_VERSION}"], check=True, env=env)
    return str(cached_cli())


def ensure_temporal_cli() -> str | None:
    return locate_temporal_cli() or build_temporal_cli()


if __name__ == "__main__":
    path = ensure_temporal_cli()
    print(path or "none: the Temporal SDK will download the dev server")

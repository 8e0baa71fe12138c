"""What devstack's tool finders share: the cache outside the repo, an executable named in the
environment or kept in the cache, and `go install` into the cache."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger("hookflow.devstack")


def cache_dir() -> Path:
    """Outside the repo, so a fresh clone reuses the build: $HOOKFLOW_CACHE_DIR/bin or
    ~/.cache/hookflow/bin."""
    explicit = os.environ.get("HOOKFLOW_CACHE_DIR")
    if explicit:
        return Path(explicit) / "bin"
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "hookflow" / "bin"


def named_in_env(variable: str) -> str | None:
    """The executable the environment variable names, if it is set; FileNotFoundError when it
    names anything else (a wrong explicit path is an error, not a reason to look elsewhere)."""
    explicit = os.environ.get(variable)
    if explicit and not os.access(explicit, os.X_OK):
        raise FileNotFoundError(f"{variable}={explicit} is not an executable")
    return explicit or None


def executable(path: Path) -> str | None:
    """`path` if it is an executable file."""
    return str(path) if path.exists() and os.access(path, os.X_OK) else None


def go_binary() -> str | None:
    """Go on PATH or where its official tarball installs it; None when Go is not installed."""
    return shutil.which("go") or (
        "/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None
    )


def go_install(module: str, version: str, *, what: str) -> bool:
    """`CGO_ENABLED=0 go install module@version` into the cache (a few minutes on two cores);
    False when Go is not installed."""
    go = go_binary()
    if go is None:
        return False
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    log.warning("building %s %s with Go (once; a few minutes)", what, version)
    env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": str(target)}
    subprocess.run([go, "install", f"{module}@{version}"], check=True, env=env)
    return True

"""Find Helm (the chart tests render deploy/helm/hookflow with it), building it once from the Go
module proxy if needed, cached beside the Temporal CLI.

Order: HELM_PATH, `helm` on PATH, the cached build, a fresh `go install` into the cache; None
means no Helm here (the chart tests then skip, saying why).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

from devstack.temporal_cli import cache_dir, go_binary

log = logging.getLogger("hookflow.devstack")

HELM_MODULE = "helm.sh/helm/v3/cmd/helm"
# One exact release (a `go install` of v3 works: its go.mod has no replace directive).
HELM_VERSION = "v3.22.0"


def locate_helm() -> str | None:
    explicit = os.environ.get("HELM_PATH")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise FileNotFoundError(f"HELM_PATH={explicit} is not an executable")
        return explicit
    cached = cache_dir() / "helm"
    found = shutil.which("helm") or (str(cached) if os.access(cached, os.X_OK) else None)
    return found


def build_helm() -> str | None:
    """`CGO_ENABLED=0 go install helm.sh/helm/v3/cmd/helm@v3.22.0` into the cache (about three
    minutes on two cores); None when Go is not installed."""
    go = go_binary()
    if go is None:
        return None
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    log.warning("building Helm %s with Go (once; a few minutes)", HELM_VERSION)
    env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": str(target)}
    subprocess.run([go, "install", f"{HELM_MODULE}@{HELM_VERSION}"], check=True, env=env)
    return str(target / "helm")


def ensure_helm() -> str | None:
    return locate_helm() or build_helm()


if __name__ == "__main__":
    print(ensure_helm() or "none: install Go (or Helm) to test the Helm chart")

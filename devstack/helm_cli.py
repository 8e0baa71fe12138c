"""Find Helm (the chart tests render deploy/helm/hookflow with it), building it once from the Go
module proxy if needed, cached beside the Temporal CLI.

Order: HELM_PATH, `helm` on PATH, the cached build, a fresh `go install` into the cache; None
means no Helm here (the chart tests then skip, saying why).
"""

from __future__ import annotations

import shutil

from devstack.tools import cache_dir, executable, go_install, named_in_env

HELM_MODULE = "helm.sh/helm/v3/cmd/helm"
# One exact release (a `go install` of v3 works: its go.mod has no replace directive).
HELM_VERSION = "v3.22.0"


def locate_helm() -> str | None:
    return named_in_env("HELM_PATH") or shutil.which("helm") or executable(cache_dir() / "helm")


def build_helm() -> str | None:
    """`CGO_ENABLED=0 go install helm.sh/helm/v3/cmd/helm@v3.22.0` into the cache (about three
    minutes on two cores); None when Go is not installed."""
    built = go_install(HELM_MODULE, HELM_VERSION, what="Helm")
    return str(cache_dir() / "helm") if built else None


def ensure_helm() -> str | None:
    return locate_helm() or build_helm()


if __name__ == "__main__":
    print(ensure_helm() or "none: install Go (or Helm) to test the Helm chart")

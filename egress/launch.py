"""How a sandboxed agent reaches the egress proxy: a directory with the proxy's Unix socket and the
bridge script, bound read-only at /run/hookflow; the bridge listens on 127.0.0.1:3128 inside the
sandbox, and the agent is told so by the usual proxy variables."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PROXY_PORT = 3128
SANDBOX_DIR = "/run/hookflow"
SOCKET_NAME = "proxy.sock"
BRIDGE = Path(__file__).resolve().with_name("bridge.py")
# Where the sandbox shows system files (activities.sandbox binds these read-only).
_VISIBLE = ("/usr/", "/bin/", "/lib/", "/lib64/", "/etc/")


def proxy_environment(port: int = PROXY_PORT) -> dict[str, str]:
    """HTTPS_PROXY, HTTP_PROXY, ALL_PROXY (both spellings) pointing at the bridge; NO_PROXY
    empty, so nothing bypasses it (there is nowhere else to go anyway)."""
    url = f"http://127.0.0.1:{port}"
    env = {}
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = url
    env["NO_PROXY"] = env["no_proxy"] = ""
    return env


def sandbox_python() -> tuple[str, str | None]:
    """(python to run in the sandbox — the bridge, the lifeline check —, a directory to bind
    read-only for it or None): the system's python3 when there is one, else the worker's own
    interpreter and its prefix."""
    for folder in ("/usr/bin", "/usr/local/bin", "/bin"):
        found = shutil.which("python3", path=folder)
        if found:
            return found, None
    real = os.path.realpath(sys.executable)
    if real.startswith(_VISIBLE):
        return real, None
    return real, os.path.realpath(sys.base_prefix)


@dataclass(frozen=True)
class EgressLaunch:
    """One phase's proxy directory (worker side) and the command line that starts the agent
    behind the bridge (sandbox side)."""

    host_dir: Path
    python: str  # sandbox_python()'s (the agent launch binds its prefix when it has one)

    @property
    def socket_path(self) -> Path:
        return self.host_dir / SOCKET_NAME

    def wrap(self, argv: list[str]) -> list[str]:
        bridge = f"{SANDBOX_DIR}/{BRIDGE.name}"
        socket = f"{SANDBOX_DIR}/{SOCKET_NAME}"
        return [self.python, "-I", "-S", bridge, str(PROXY_PORT), socket, "--", *argv]


def prepare_launch(host_dir: Path) -> EgressLaunch:
    """Create `host_dir` with a copy of the bridge script (the socket appears there later)."""
    host_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copyfile(BRIDGE, host_dir / BRIDGE.name)
    return EgressLaunch(host_dir, sandbox_python()[0])

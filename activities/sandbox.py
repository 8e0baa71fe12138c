"""The command agent's sandbox: its allow-listed environment and the bubblewrap command line that
confines it (fresh PID/IPC/UTS namespaces and /proc, read-only system and .git, private /tmp and
HOME, nothing of hookflow's state)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from egress.launch import SANDBOX_DIR
from settings import Settings

BWRAP = "bwrap"
AGENT_HOME = "/home/agent"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
SANDBOX_OFF_HINT = (
    "set RUN_AGENT_SANDBOX=none to run agents unsandboxed as the worker's user (the agent can "
    "then read everything the worker can, including its secrets)"
)
# Always passed (when set); everything else only by name in RUN_AGENT_ENV.
_PASSED = ("PATH", "LANG", "TZ")
_PROBE_TIMEOUT = 10.0
# Run inside the sandbox before the agent (see the file's docstring).
LIFELINE_CODE = Path(__file__).with_name("sandbox_lifeline.py").read_text()


class SandboxUnavailable(RuntimeError):
    """bubblewrap was asked for (or `auto` found none that works)."""


def agent_environment(
    source: Mapping[str, str],
    allowed: Sequence[str],
    run_vars: Mapping[str, str],
    home: str,
) -> dict[str, str]:
    """The agent's environment: PATH, LANG, LC_*, TZ, its own HOME, the run's HOOKFLOW_* values
    and the names in `allowed`; nothing else of the worker's environment."""
    names = set(allowed)
    env = {k: v for k, v in source.items() if k in _PASSED or k.startswith("LC_") or k in names}
    env.setdefault("PATH", os.defpath)
    env["HOME"] = home
    env.update({k: v for k, v in run_vars.items() if k.startswith("HOOKFLOW_")})
    return env


@dataclass(frozen=True)
class SandboxSpec:
    """What the sandbox shows the agent besides the system directories."""

    workspace: str | None  # bound read-write at the same path; its .git read-only
    scratch: str  # the working directory when there is no workspace (bound read-write)
    binds: tuple[str, ...] = ()  # extra read-only paths (RUN_AGENT_BIND)
    network: bool = True  # False: a new network namespace with only loopback
    # The egress proxy's socket and bridge (RUN_AGENT_NETWORK=proxy), bound read-only at
    # egress.launch.SANDBOX_DIR.
    egress_dir: str | None = None


def bwrap_argv(spec: SandboxSpec, argv: Sequence[str], *, bwrap: str = BWRAP) -> list[str]:
    """The bubblewrap command line that runs `argv` inside the sandbox."""
    args = [
        bwrap,
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "hookflow-agent",
        # A worker running as root would otherwise hand the agent every capability.
        "--cap-drop",
        "ALL",
    ]
    if not spec.network:
        args.append("--unshare-net")
    for path in SYSTEM_DIRS:
        if os.path.islink(path):  # merged-/usr systems: /bin -> usr/bin
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    if spec.network:
        # /etc/resolv.conf often links into /run (systemd-resolved): the agent needs DNS.
        resolv = os.path.realpath("/etc/resolv.conf")
        if not resolv.startswith(("/etc/", "/usr/")):
            args += ["--ro-bind-try", resolv, resolv]
    args += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--dir",
        AGENT_HOME,
        "--chmod",
        "0700",
        AGENT_HOME,
    ]
    for path in spec.binds:
        args += ["--ro-bind-try", path, path]
    if spec.egress_dir:
        args += ["--ro-bind", spec.egress_dir, SANDBOX_DIR]
    cwd = spec.workspace or spec.scratch
    args += ["--bind", cwd, cwd]
    if spec.workspace and (Path(spec.workspace) / ".git").exists():
        git_dir = str(Path(spec.workspace) / ".git")
        args += ["--ro-bind", git_dir, git_dir]
    args += ["--chdir", cwd, "--", *argv]
    return args


def lifeline_argv(python: str, fd: int, argv: Sequence[str]) -> list[str]:
    """`argv` started in the sandbox only if the worker still holds the other end of pipe `fd`
    (activities/sandbox_lifeline.py, run by `python` from the command line)."""
    return [python, "-I", "-S", "-c", LIFELINE_CODE, str(fd), "--", *argv]


@functools.cache
def _probe(bwrap: str, network: bool) -> str | None:
    """None when bubblewrap can build the sandbox here; else why not (probed once per process)."""
    if shutil.which(bwrap) is None:
        return f"{bwrap} is not installed (Debian package 'bubblewrap')"
    scratch = "/"
    argv = bwrap_argv(SandboxSpec(None, scratch, network=network), ["true"], bwrap=bwrap)
    argv[argv.index("--bind") : argv.index("--chdir")] = []  # nothing to bind for the probe
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=_PROBE_TIMEOUT, env={"PATH": os.defpath}
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{bwrap} cannot run: {exc}"
    if done.returncode != 0:
        return f"{bwrap} cannot build the sandbox: {done.stderr.decode(errors='replace')[:500]}"
    return None


def sandbox_mode(settings: Settings) -> str:
    """`bwrap` or `none` for this worker; raises SandboxUnavailable when agents must not run."""
    wanted = settings.run_agent_sandbox
    if wanted == "none":
        return "none"
    problem = _probe(BWRAP, settings.run_agent_network == "host")
    if problem is None:
        return "bwrap"
    if wanted == "bwrap":
        raise SandboxUnavailable(f"RUN_AGENT_SANDBOX=bwrap but {problem}")
    raise SandboxUnavailable(
        f"no agent sandbox: {problem}; install bubblewrap or {SANDBOX_OFF_HINT}"
    )


def describe(settings: Settings) -> str:
    """One line for the worker's start-up log."""
    try:
        mode = sandbox_mode(settings)
    except SandboxUnavailable as exc:
        return f"agents refused: {exc}"
    if mode == "none":
        return "agents run UNSANDBOXED (RUN_AGENT_SANDBOX=none)"
    network: str = settings.run_agent_network
    if network == "proxy":
        allowed = ", ".join(str(e) for e in settings.run_agent_allow_entries) or "no host"
        network = f"proxy allowing {allowed}"
    elif network == "host":
        network = "host: UNSAFE, the agent reaches every service the worker can"
    return (
        f"agents run in bubblewrap (network {network}, "
        f"extra binds: {', '.join(settings.run_agent_bind_list) or 'none'})"
    )

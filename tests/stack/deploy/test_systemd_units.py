"""deploy/systemd: `systemd-analyze verify` and `security --offline` accept the units, and the
units keep their contract (migrations first, secrets as credentials read through the …_FILE
settings, hardening that leaves the worker able to build the bubblewrap sandbox)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import COMMANDS
from settings import Settings
from tests.support.files import ROOT

UNITS = ROOT / "deploy" / "systemd"
NAMES = (
    "hookflow-api.service",
    "hookflow-worker.service",
    "hookflow-migrate.service",
    "hookflow-check.service",
)
ANALYZE = shutil.which("systemd-analyze")
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
needs_analyze = pytest.mark.skipif(
    ANALYZE is None or not SYSTEM_UNITS.is_dir(),
    reason="systemd-analyze is not installed (Debian package `systemd`; scripts/setup.sh adds it)",
)


def parse(name: str) -> dict[str, list[str]]:
    """`Section.Key` → every value given (systemd allows a key many times)."""
    values: dict[str, list[str]] = {}
    section = ""
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        values.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return values


@pytest.fixture(scope="module")
def system_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filesystem root for `--root`: the host's system units, ours in /etc, and the installed
    `hookflow` entry point at the path the units run (verify checks that it is executable)."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for name in NAMES:
        shutil.copy(UNITS / name, root / "etc/systemd/system" / name)
    bin_dir = root / "opt/hookflow/bin"
    bin_dir.mkdir(parents=True)
    shutil.copy(Path(sys.executable).parent / "hookflow", bin_dir / "hookflow")
    return root


def verify(root: Path, *names: str) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run(
        [ANALYZE, "verify", f"--root={root}", *(f"/etc/systemd/system/{n}" for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_analyze
def test_systemd_analyze_verify_accepts_the_units(system_root: Path) -> None:
    result = verify(system_root, *NAMES)
    # Unknown keys and unparsable values are only warnings: any output is a failure here.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@needs_analyze
def test_systemd_analyze_verify_reports_a_mistyped_unit(system_root: Path) -> None:
    broken = (UNITS / "hookflow-api.service").read_text().replace("RestartSec=", "RestartSex=")
    (system_root / "etc/systemd/system/broken.service").write_text(broken)
    result = verify(system_root, "broken.service")
    assert "Unknown key 'RestartSex'" in result.stderr


@needs_analyze
@pytest.mark.parametrize(
    ("name", "ceiling"), [(NAMES[0], 2.0), (NAMES[1], 4.0), (NAMES[2], 2.0), (NAMES[3], 4.0)]
)
def test_systemd_security_exposure_stays_low(system_root: Path, name: str, ceiling: float) -> None:
    assert ANALYZE is not None
    result = subprocess.run(
        [
            ANALYZE,
            "security",
            "--offline=yes",
            f"--root={system_root}",
            f"/etc/systemd/system/{name}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert found, result.stdout[-2000:] + result.stderr
    assert float(found.group(1)) <= ceiling


def test_api_and_worker_require_the_migration() -> None:
    migrate = parse("hookflow-migrate.service")
    assert migrate["Service.Type"] == ["oneshot"]
    assert migrate["Service.RemainAfterExit"] == ["yes"]
    for name in NAMES[:2]:
        unit = parse(name)
        assert "hookflow-migrate.service" in unit["Unit.Requires"][0].split()
        assert "hookflow-migrate.service" in unit["Unit.After"][0].split()
        assert unit["Service.Restart"] == ["on-failure"]


@pytest.mark.parametrize("name", NAMES)
def test_units_run_hookflow_subcommands(name: str) -> None:
    (command,) = parse(name)["Service.ExecStart"]
    program, subcommand = command.split()
    assert program == "/opt/hookflow/bin/hookflow"
    assert subcommand in COMMANDS


@pytest.mark.parametrize("name", NAMES)
def test_every_credential_is_read_through_a_file_setting(name: str) -> None:
    unit = parse(name)
    credentials = {value.split(":", 1)[0] for value in unit.get("Service.LoadCredential", [])}
    environment = dict(value.split("=", 1) for value in unit.get("Service.Environment", []))
    file_settings = {key.upper() for key in Settings.model_fields if key.endswith("_file")}
    for credential in credentials:
        variable = f"{credential.upper()}_FILE"
        assert environment.get(variable) == f"%d/{credential}", f"{name}: {credential}"
        assert variable in file_settings, f"hookflow does not read {variable}"
    # No secret value is ever written into a unit or the environment it sets.
    assert not [v for v in environment if re.search(r"(SECRET|TOKEN|KEY)$", v)]


def test_api_gets_credentials_for_every_secret_it_requires() -> None:
    credentials = {v.split(":", 1)[0] for v in parse(NAMES[0])["Service.LoadCredential"]}
    assert {"github_webhook_secret", "api_token"} <= credentials


def test_worker_hardening_leaves_the_agent_sandbox_possible() -> None:
    worker, api = parse(NAMES[1]), parse(NAMES[0])
    # Each of these stops bubblewrap: no new user namespace, or no fresh /proc inside it.
    for key in (
        "RestrictNamespaces",
        "PrivateUsers",
        "ProtectKernelTunables",
        "ProtectKernelLogs",
        "ProtectProc",
        "ProcSubset",
        "MemoryDenyWriteExecute",
    ):
        assert f"Service.{key}" not in worker, key
        assert f"Service.{key}" in api, f"the API (no agent) should set {key}"
    denied = " ".join(worker["Service.SystemCallFilter"])
    assert denied.startswith("~") and not {"@mount", "@privileged"} & set(denied[1:].split())
    assert "AF_NETLINK" in worker["Service.RestrictAddressFamilies"][0].split()
    for unit in (worker, api):
        assert unit["Service.NoNewPrivileges"] == ["yes"]
        assert unit["Service.CapabilityBoundingSet"] == [""]
        assert unit["Service.ProtectSystem"] == ["strict"]


def test_check_unit_sees_what_the_services_see() -> None:
    check, api, worker = parse(NAMES[3]), parse(NAMES[0]), parse(NAMES[1])
    assert check["Service.Type"] == ["oneshot"]
    assert check["Service.EnvironmentFile"] == api["Service.EnvironmentFile"]
    credentials = set(api["Service.LoadCredential"]) | set(worker["Service.LoadCredential"])
    assert set(check["Service.LoadCredential"]) == credentials
    # The same hardening as the worker: the check probes the agent sandbox too.
    hardening = {k: v for k, v in worker.items() if k.startswith("Service.")}
    for key in (
        "Service.ExecStart",
        "Service.Restart",
        "Service.RestartSec",
        "Service.Type",
        "Service.KillSignal",
        "Service.TimeoutStopSec",
        "Service.LoadCredential",
        "Service.Environment",
    ):
        hardening.pop(key, None)
    assert {k: check.get(k) for k in hardening} == hardening


def test_environment_example_names_only_known_settings() -> None:
    known = {key.upper() for key in Settings.model_fields}
    lines = (UNITS / "hookflow.env.example").read_text().splitlines()
    names = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    assert names and not [n for n in names if n not in known]
    assert not [n for n in names if re.search(r"(SECRET|TOKEN|KEY)$", n)]

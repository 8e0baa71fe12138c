"""Run the whole service locally on embedded defaults (`scripts/run.sh`).

Temporal dev server (Web UI on port+1000), the worker and the API as separate processes,
SQLite unless DATABASE_URL is configured. The webhook secret and API token are whatever
hookflow reads (the environment, ./.env or HOOKFLOW_ENV_FILE, ~/.atlas/.env, Vault): only
when none is configured is one generated, kept in ~/.hookflow/dev/dev.env and printed. The
banner says where each one in use comes from (a configured secret's value is never printed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from devstack.temporal_cli import ensure_temporal_cli
from ops.exit import run as run_process
from settings import ConfigError, env_files, load_settings
from settings.origin import origin

ROOT = Path(__file__).resolve().parent.parent
# A worker starts the activities it schedules on its own queue at once (a notification's sends).
EAGER_ACTIVITIES = ["--dynamic-config-value", "system.enableActivityEagerExecution=true"]


def state_dir() -> Path:
    path = Path(os.environ.get("HOOKFLOW_DEV_DIR", "~/.hookflow/dev")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


GENERATORS: dict[str, Callable[[], str]] = {
    "GITHUB_WEBHOOK_SECRET": lambda: secrets.token_hex(32),
    "API_TOKEN": lambda: secrets.token_urlsafe(32),
}


def dev_secrets(directory: Path, needed: Iterable[str] = tuple(GENERATORS)) -> dict[str, str]:
    """Generated once, reused on later starts so GitHub's webhook config stays valid."""
    env_file = directory / "dev.env"
    values: dict[str, str] = {}
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    wanted = list(needed)
    for name in wanted:
        values.setdefault(name, GENERATORS[name]())
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env_file.chmod(0o600)
    return {k: values[k] for k in wanted}


def choose_secrets(
    directory: Path, configured: Callable[[str], str | None]
) -> tuple[dict[str, str], dict[str, str]]:
    """(generated values for the children's environment, where each secret comes from):
    a secret configured anywhere hookflow reads is used as it is; only the others are made."""
    where = {name: configured(name) for name in GENERATORS}
    generated = dev_secrets(directory, [n for n, found in where.items() if found is None])
    shown = f"generated, kept in {directory / 'dev.env'}"
    return generated, {name: found or shown for name, found in where.items()}


def child_env(
    base: dict[str, str],
    directory: Path,
    temporal_address: str,
    configured: Callable[[str], str | None] = lambda name: None,
) -> dict[str, str]:
    """The services' environment: the generated secrets and the embedded defaults, each only
    where nothing hookflow reads configures it (a variable here beats every dotenv file)."""
    env = dict(os.environ)
    defaults = {
        **base,
        "DATABASE_URL": f"sqlite:///{directory / 'hookflow.db'}",
        "TEMPORAL_UI_URL": f"http://localhost:{int(temporal_address.rsplit(':', 1)[1]) + 1000}",
        "RUN_WORKSPACE_DIR": str(directory / "workspaces"),
    }
    for key, value in defaults.items():
        if key not in env and configured(key) is None:
            env[key] = value
    env["TEMPORAL_ADDRESS"] = temporal_address
    return env


def shown(values: dict[str, str], sources: dict[str, str], name: str) -> str:
    """A generated secret is printed (it is new and only here); a configured one never is."""
    if name in values:
        return f"{values[name]}   ({sources[name]})"
    return f"from {sources[name]}"


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--temporal-port", type=int, default=7233)
    args = parser.parse_args(argv)
    directory = state_dir()
    try:
        files = env_files()
        settings = load_settings()
    except (ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def configured(name: str) -> str | None:
        return origin(name, files, settings)

    values, sources = choose_secrets(directory, configured)
    port = str(settings.webhook_port)

    env_server: WorkflowEnvironment | None = None
    address = settings.temporal_address if configured("TEMPORAL_ADDRESS") else None
    if not address:
        # An existing CLI binary if there is one (or one built with Go); else the SDK downloads.
        env_server = await WorkflowEnvironment.start_local(
            port=args.temporal_port,
            ui=True,
            ui_port=args.temporal_port + 1000,
            dev_server_existing_path=ensure_temporal_cli(),
            dev_server_database_filename=str(directory / "temporal.db"),
            dev_server_log_level="warn",
            # As deploy/compose/temporal-dynamicconfig.yaml: activities start eagerly.
            dev_server_extra_args=EAGER_ACTIVITIES,
        )
        address = f"127.0.0.1:{args.temporal_port}"
    env = child_env(values, directory, address, configured)

    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True
    )
    children = [
        subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                settings.webhook_host,
                "--port",
                port,
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    print(
        f"""
hookflow is running
  webhook URL     http://localhost:{port}/api/webhooks/github   (and http://localhost:{port}/)
  webhook secret  {shown(values, sources, "GITHUB_WEBHOOK_SECRET")}
  API token       {shown(values, sources, "API_TOKEN")}   (Authorization: Bearer …)
  webhook logs    {settings.log_path}
  runs            curl -H "Authorization: Bearer $API_TOKEN" http://localhost:{port}/api/runs
  Temporal        {address}   Web UI {env.get("TEMPORAL_UI_URL", settings.temporal_ui_url)}
  database        {env.get("DATABASE_URL", settings.database_url)}
  state           {directory}
Ctrl-C stops everything.
""",
        flush=True,
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1)
        dead = [c for c in children if c.poll() is not None]
        if dead:
            print(f"a process exited with code {dead[0].returncode}; stopping", file=sys.stderr)
            code = 1
            break
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=10)
    if env_server is not None:
        await env_server.shutdown()
    return code


if __name__ == "__main__":
    run_process(lambda: asyncio.run(main()))

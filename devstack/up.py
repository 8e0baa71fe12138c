"""Run the whole service locally on embedded defaults (`scripts/run.sh`).

Temporal dev server (Web UI on port+1000), the worker and the API as separate processes,
SQLite unless DATABASE_URL is set, a webhook secret and API token generated once and kept
in ~/.hookflow/dev/dev.env (printed at start). Everything set in the environment wins.
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
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from devstack.temporal_cli import ensure_temporal_cli

ROOT = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    path = Path(os.environ.get("HOOKFLOW_DEV_DIR", "~/.hookflow/dev")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def dev_secrets(directory: Path) -> dict[str, str]:
    """Generated once, reused on later starts so GitHub's webhook config stays valid."""
    env_file = directory / "dev.env"
    values: dict[str, str] = {}
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    values.setdefault("GITHUB_WEBHOOK_SECRET", secrets.token_hex(32))
    values.setdefault("API_TOKEN", secrets.token_urlsafe(32))
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env_file.chmod(0o600)
    return values


def child_env(base: dict[str, str], directory: Path, temporal_address: str) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in base.items():
        env.setdefault(key, value)
    env.setdefault("DATABASE_URL", f"sqlite:///{directory / 'hookflow.db'}")
    env["TEMPORAL_ADDRESS"] = temporal_address
    env.setdefault(
        "TEMPORAL_UI_URL", f"http://localhost:{int(temporal_address.rsplit(':', 1)[1]) + 1000}"
    )
    env.setdefault("LOG_DIR", str(directory / "webhook_logs"))
    env.setdefault("RUN_WORKSPACE_DIR", str(directory / "workspaces"))
    return env


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--temporal-port", type=int, default=7233)
    args = parser.parse_args(argv)
    directory = state_dir()
    values = dev_secrets(directory)
    port = os.environ.get("WEBHOOK_PORT", "9000")

    env_server: WorkflowEnvironment | None = None
    address = os.environ.get("TEMPORAL_ADDRESS")
    if not address:
        # An existing CLI binary if there is one (or one built with Go); else the SDK downloads.
        env_server = await WorkflowEnvironment.start_local(
            port=args.temporal_port,
            ui=True,
            ui_port=args.temporal_port + 1000,
            dev_server_existing_path=ensure_temporal_cli(),
            dev_server_database_filename=str(directory / "temporal.db"),
            dev_server_log_level="warn",
        )
        address = f"127.0.0.1:{args.temporal_port}"
    env = child_env(values, directory, address)

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
                env.get("WEBHOOK_HOST", "0.0.0.0"),
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
  webhook secret  {env["GITHUB_WEBHOOK_SECRET"]}
  API token       {env["API_TOKEN"]}        (Authorization: Bearer …)
  runs            curl -H "Authorization: Bearer $API_TOKEN" http://localhost:{port}/api/runs
  Temporal        {address}   Web UI {env["TEMPORAL_UI_URL"]}
  database        {env["DATABASE_URL"]}
  state           {directory}   (secrets in dev.env)
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
    sys.exit(asyncio.run(main()))

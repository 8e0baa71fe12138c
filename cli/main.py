"""`hookflow` command line: run the service (serve, worker, migrate, check), preview a payload,
start runs and signal workflows by hand.

Each subcommand lives in its own module with `register(subparsers)`; add yours to COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ops.exit import run as run_process
from ops.version import VERSION

# module names under cli/ that define register(subparsers) -> None
COMMANDS: list[str] = [
    "serve",
    "worker",
    "migrate",
    "check",
    "preview",
    "runs",
    "tasks",
    "recover",
    "replay",
    "notify",
    "silence",
]


def build_parser() -> argparse.ArgumentParser:
    summary = " ".join((__doc__ or "").split("\n\n")[0].split())
    parser = argparse.ArgumentParser(prog="hookflow", description=summary)
    parser.add_argument("--version", action="version", version=f"hookflow {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--test"]:
        # The original handler's spelling: `ci_webhook_handler.py --test payload.json`.
        argv[0] = "preview"
    elif argv[:1] and argv[0].split("=", 1)[0] in ("--port", "--host"):
        # Seed 002 starts its server as `ci_webhook_handler.py --port 9000`.
        argv.insert(0, "serve")
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def run() -> None:
    """The `hookflow` console script: main() as the process, ended by ops.exit (never SIGABRT)."""
    run_process(main)


if __name__ == "__main__":
    run()

"""`hookflow` command line: preview a payload, start runs and signal workflows by hand.

Each subcommand lives in its own module with `register(subparsers)`; add yours to COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# module names under cli/ that define register(subparsers) -> None
COMMANDS: list[str] = [
    "preview",
    "runs",
    "tasks",
    "serve",
    "recover",
    "replay",
    "notify",
    "silence",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hookflow", description=(__doc__ or "").splitlines()[0])
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
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())

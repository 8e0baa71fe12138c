"""Read NOTIFY_CONFIG from its file: YAML in, notify.config's model out (or every error)."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from notify.config import NotifyConfig
from notify.config_parse import parse_config
from notify.problems import ConfigInvalid
from notify.tree import RouteOpts


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML 1.1 without sexagesimal numbers: `22:00` and `1:5` stay strings, as people mean."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


def load_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigInvalid(source, [f"{where}not valid YAML: {problem}"]) from None


def read_config_file(path: Path, defaults: RouteOpts, *, check_files: bool = True) -> NotifyConfig:
    """Read and check NOTIFY_CONFIG; raises ConfigInvalid listing every error by its path.
    `check_files=False` leaves url_file alone (the API, which sends nothing)."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigInvalid(source, [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigInvalid(source, ["the file is not UTF-8 text"]) from None
    data = load_yaml(text, source)
    config = parse_config(
        data, defaults=defaults, base_dir=path.parent, source=source, check_files=check_files
    )
    return dataclasses.replace(config, digest=hashlib.sha256(raw).hexdigest()[:12])


def check_config_file(path: Path, defaults: RouteOpts) -> list[str]:
    """Every error of the file (`route.routes[0].matchers[1]: …`); empty when it is valid."""
    try:
        read_config_file(path, defaults)
    except ConfigInvalid as exc:
        return exc.problems
    return []

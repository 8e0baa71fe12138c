"""The errors found in a notification config file, each with its path in the file
(`route.routes[0].matchers[1]: …`), gathered so that one check reports all of them."""

from __future__ import annotations

from dataclasses import dataclass, field


def at(path: str, key: str | int) -> str:
    """The path of `key` inside `path`: `route` + `routes` → `route.routes`, + 0 → `[0]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


@dataclass
class Problems:
    items: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)


class ConfigInvalid(ValueError):
    """A notification config with errors; `problems` lists each with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} error(s): " + "; ".join(problems))

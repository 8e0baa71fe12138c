"""Where a GitHub request's bearer token comes from: one fixed token, or a renewable source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class TokenSource(Protocol):
    """Supplies the bearer token for a request path; `invalidate` drops one GitHub refused."""

    async def token_for(self, path: str) -> str | None: ...

    def invalidate(self, token: str) -> None: ...


@dataclass(frozen=True)
class StaticToken:
    """GITHUB_TOKEN mode: one token for everything."""

    token: str | None

    async def token_for(self, path: str) -> str | None:
        return self.token

    def invalidate(self, token: str) -> None:
        """A personal token cannot be renewed; the 401 reaches the caller."""

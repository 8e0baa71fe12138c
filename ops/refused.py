"""`Refused`: why a person's request (retry, signal, silence) is not carried out, with the HTTP
status that says so; the API answers it as JSON, the console as its error page."""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

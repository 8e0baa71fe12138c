"""GitHub's X-Hub-Signature-256: HMAC-SHA256 of the raw body, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(body: bytes, secret: bytes) -> str:
    """The header value GitHub would send for this body and secret."""
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secrets: list[bytes]) -> bool:
    """True when `header` is a valid sha256 signature of `body` under any active secret.

    Every secret is checked (no early exit) so timing does not reveal which one matched.
    """
    if not header or not header.startswith(PREFIX) or not secrets:
        return False
    given = header.encode()
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(sign(body, secret).encode(), given)
    return matched

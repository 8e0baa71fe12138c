"""X-Hub-Signature-256 verification, table-driven, with GitHub's documented test vector."""

from __future__ import annotations

import pytest

from delivery.signature import sign, verify_signature

GITHUB_SECRET = b"It's a Secret to Everybody"
GITHUB_PAYLOAD = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_sign_matches_githubs_documented_vector() -> None:
    assert sign(GITHUB_PAYLOAD, GITHUB_SECRET) == GITHUB_SIGNATURE
    assert verify_signature(GITHUB_PAYLOAD, GITHUB_SIGNATURE, [GITHUB_SECRET])


@pytest.mark.parametrize(
    ("body", "header", "secrets"),
    [
        pytest.param(b"Hello, World?", GITHUB_SIGNATURE, [GITHUB_SECRET], id="flipped-body-byte"),
        pytest.param(
            GITHUB_PAYLOAD,
            GITHUB_SIGNATURE[:-1] + "f",
            [GITHUB_SECRET],
            id="flipped-signature-char",
        ),
        pytest.param(GITHUB_PAYLOAD, None, [GITHUB_SECRET], id="missing-header"),
        pytest.param(GITHUB_PAYLOAD, "", [GITHUB_SECRET], id="empty-header"),
        pytest.param(
            GITHUB_PAYLOAD,
            "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59",
            [GITHUB_SECRET],
            id="sha1-only",
        ),
        pytest.param(
            GITHUB_PAYLOAD,
            GITHUB_SIGNATURE.replace("sha256=", "sha512="),
            [GITHUB_SECRET],
            id="wrong-prefix",
        ),
        pytest.param(
            GITHUB_PAYLOAD,
            GITHUB_SIGNATURE.removeprefix("sha256="),
            [GITHUB_SECRET],
            id="no-prefix",
        ),
        pytest.param(GITHUB_PAYLOAD, GITHUB_SIGNATURE, [b"another secret"], id="wrong-secret"),
        pytest.param(GITHUB_PAYLOAD, GITHUB_SIGNATURE, [], id="no-secret-configured"),
    ],
)
def test_verify_signature_rejects_bad_input(
    body: bytes, header: str | None, secrets: list[bytes]
) -> None:
    assert not verify_signature(body, header, secrets)


def test_verify_signature_accepts_any_active_secret_during_rotation() -> None:
    header = sign(GITHUB_PAYLOAD, b"old secret")
    assert verify_signature(GITHUB_PAYLOAD, header, [b"new secret", b"old secret"])
    assert not verify_signature(GITHUB_PAYLOAD, header, [b"new secret"])

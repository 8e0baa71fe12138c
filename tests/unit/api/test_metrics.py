"""The delivery-outcome label of each reply the webhook endpoint can give (api/instruments.py)."""

from __future__ import annotations

import pytest

from api.instruments import delivery_outcome


@pytest.mark.parametrize(
    ("status_code", "status", "redelivery", "expected"),
    [
        (200, "accepted", False, "accepted"),
        (200, "ignored", False, "ignored"),
        (200, "accepted", True, "redelivery"),
        (401, "rejected", False, "rejected_signature"),
        (400, "rejected", False, "rejected_malformed"),
        (413, "rejected", False, "too_large"),
    ],
)
def test_delivery_outcome_labels_each_reply(
    status_code: int, status: str, redelivery: bool, expected: str
) -> None:
    assert delivery_outcome(status_code, status, redelivery=redelivery) == expected

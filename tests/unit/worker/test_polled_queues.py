"""Which task queues a `hookflow worker` process polls (WORKER_QUEUES)."""

from __future__ import annotations

import pytest

from settings import Settings
from worker import polled_queues


@pytest.mark.parametrize(
    ("queues", "notify", "expected"),
    [
        ("all", "", ["hf", "hf-notify"]),
        ("main", "", ["hf"]),
        ("notify", "", ["hf-notify"]),
        ("all", "alerts", ["hf", "alerts"]),
        ("all", "hf", ["hf"]),  # one queue for everything
        ("notify", "hf", ["hf"]),
    ],
)
def test_polled_queues(queues: str, notify: str, expected: list[str]) -> None:
    settings = Settings.model_validate(
        {
            "github_webhook_secret": "s" * 32,
            "api_token": "t" * 32,
            "temporal_task_queue": "hf",
            "temporal_notify_task_queue": notify,
            "worker_queues": queues,
        }
    )
    assert polled_queues(settings) == expected

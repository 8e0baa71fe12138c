"""Sink errors name the host they could not reach, never the secret in a webhook URL."""

from __future__ import annotations

import httpx
import pytest

from notify.chat import send_chat
from notify.errors import SinkError, safe_url
from tests.support.fakes.sinks import FakeChatWebhook

SECRET_PATH = "/services/T000/B000/s3cr3t-webhook-token"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T/B/xyz", "https://hooks.slack.com/…"),
        ("https://chat.example:8443/hook?token=abc", "https://chat.example:8443/…"),
        ("https://user:pw@chat.example/", "https://chat.example"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
        ("not a url", "<invalid URL>"),
    ],
)
def test_safe_url_keeps_only_scheme_host_and_port(url: str, shown: str) -> None:
    assert safe_url(url) == shown


async def test_refused_connection_error_hides_the_webhook_path() -> None:
    url = f"http://127.0.0.1:9{SECRET_PATH}?token=query-secret"
    async with httpx.AsyncClient() as client:
        with pytest.raises(SinkError) as info:
            await send_chat(client, {"type": "ci_failure"}, url=url)
    assert info.value.retryable
    assert "s3cr3t" not in str(info.value) and "query-secret" not in str(info.value)
    assert "127.0.0.1:9" in str(info.value)


async def test_error_answer_hides_the_webhook_path(chat: FakeChatWebhook) -> None:
    chat.fail_next(1, status=500)
    url = f"{chat.url}{SECRET_PATH}"
    async with httpx.AsyncClient() as client:
        with pytest.raises(SinkError) as info:
            await send_chat(client, {"type": "ci_failure"}, url=url)
    assert info.value.status_code == 500
    assert "s3cr3t" not in str(info.value)

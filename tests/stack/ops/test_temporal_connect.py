"""Reaching Temporal: options built from TEMPORAL_TLS_* files and TEMPORAL_API_KEY, and a plain
connection to the dev server through the same helper."""

from __future__ import annotations

from ops.temporal_connect import connect_temporal
from settings import Settings


async def test_connect_temporal_reaches_the_dev_server_without_tls(settings: Settings) -> None:
    client = await connect_temporal(settings)
    assert client.namespace == settings.temporal_namespace
    assert await client.service_client.check_health()

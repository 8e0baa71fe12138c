"""One way to reach Temporal for the API, the worker and the CLI: plain, mTLS or API key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from settings import ConfigError, Settings


@dataclass(frozen=True)
class ConnectOptions:
    target: str
    namespace: str
    tls: TLSConfig | bool
    api_key: str | None


def _read(path: Path | None, name: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.expanduser().read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name}={path} cannot be read: {exc.strerror}") from None


def connect_options(settings: Settings) -> ConnectOptions:
    """TLS from TEMPORAL_TLS_CERT/_KEY/_CA files; Temporal Cloud's API key implies TLS."""
    cert = _read(settings.temporal_tls_cert, "TEMPORAL_TLS_CERT")
    key = _read(settings.temporal_tls_key, "TEMPORAL_TLS_KEY")
    ca = _read(settings.temporal_tls_ca, "TEMPORAL_TLS_CA")
    if (cert is None) != (key is None):
        raise ConfigError("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS)")
    api_key = settings.temporal_api_key_value()
    tls: TLSConfig | bool = False
    if cert is not None or ca is not None:
        tls = TLSConfig(
            server_root_ca_cert=ca,
            client_cert=cert,
            client_private_key=key,
            domain=settings.temporal_tls_server_name or None,
        )
    elif api_key:
        tls = True  # system roots, as Temporal Cloud expects
    return ConnectOptions(
        target=settings.temporal_address,
        namespace=settings.temporal_namespace,
        tls=tls,
        api_key=api_key,
    )


async def connect_temporal(
    settings: Settings, *, lazy: bool = False, runtime: Runtime | None = None
) -> Client:
    """A client for TEMPORAL_ADDRESS/NAMESPACE with the configured TLS and API key."""
    options = connect_options(settings)
    return await Client.connect(
        options.target,
        namespace=options.namespace,
        tls=options.tls,
        api_key=options.api_key,
        lazy=lazy,
        runtime=runtime,
    )

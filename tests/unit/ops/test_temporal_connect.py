"""Temporal connection options built from TEMPORAL_TLS_* files and TEMPORAL_API_KEY."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from ops.temporal_connect import connect_options
from settings import ConfigError, load_settings


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_connect_options_build_mtls_from_files(tmp_path: Path) -> None:
    conf = load_settings(
        temporal_address="ns.acct.tmprl.cloud:7233",
        temporal_namespace="ns.acct",
        temporal_tls_cert=write(tmp_path, "client.pem", "CERT"),
        temporal_tls_key=write(tmp_path, "client.key", "KEY"),
        temporal_tls_ca=write(tmp_path, "ca.pem", "CA"),
        temporal_tls_server_name="temporal.internal",
    )
    options = connect_options(conf)
    assert options.tls == TLSConfig(
        server_root_ca_cert=b"CA",
        client_cert=b"CERT",
        client_private_key=b"KEY",
        domain="temporal.internal",
    )
    assert options.api_key is None
    assert (options.target, options.namespace) == ("ns.acct.tmprl.cloud:7233", "ns.acct")


def test_connect_options_with_api_key_use_tls_with_system_roots() -> None:
    options = connect_options(load_settings(temporal_api_key="tcld-key-0123456789"))
    assert options.tls is True and options.api_key == "tcld-key-0123456789"


def test_connect_options_with_only_a_ca_verify_the_server(tmp_path: Path) -> None:
    options = connect_options(load_settings(temporal_tls_ca=write(tmp_path, "ca.pem", "CA")))
    assert options.tls == TLSConfig(server_root_ca_cert=b"CA")


def test_connect_options_without_tls_settings_are_plain() -> None:
    options = connect_options(load_settings())
    assert options.tls is False and options.api_key is None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"temporal_tls_cert": "client.pem"}, "must be set together"),
        ({"temporal_tls_ca": "missing.pem"}, "TEMPORAL_TLS_CA=.*cannot be read"),
    ],
)
def test_connect_options_refuse_incomplete_or_unreadable_tls(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    write(tmp_path, "client.pem", "CERT")
    conf = load_settings(**{k: tmp_path / v for k, v in files.items()})
    with pytest.raises(ConfigError, match=message):
        connect_options(conf)

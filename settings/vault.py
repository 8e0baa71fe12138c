"""Settings of the Vault secret source (seed 000: `vault kv put secret/atlasia …`): where it is,
how hookflow logs in (token, AppRole or Kubernetes), which KV v2 path, how often it re-reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, SecretStr

from settings.durations import Duration
from settings.secrets import read_secret


class VaultSettings(BaseModel):
    # Empty: no Vault. The other settings matter only when this is set.
    vault_addr: str = ""
    vault_token: SecretStr | None = None
    vault_token_file: Path | None = None
    # AppRole login (instead of a token)
    vault_role_id: str = ""
    vault_secret_id: SecretStr | None = None
    vault_secret_id_file: Path | None = None
    vault_approle_mount: str = "approle"
    # Kubernetes login: the pod's service-account token, exchanged for a Vault token
    vault_k8s_role: str = ""
    vault_k8s_mount: str = "kubernetes"
    vault_k8s_token_path: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")
    vault_namespace: str = ""  # Vault Enterprise / HCP namespaces
    vault_cacert: Path | None = None  # CA of a private Vault's certificate
    # KV v2 `<mount>/<path>`: the first segment is the mount (`secret`), the rest the path.
    vault_secret_path: str = "secret/atlasia"
    vault_refresh: Duration = timedelta(minutes=5)
    # How long the webhook secret Vault held before a rotation is still accepted.
    vault_rotation_grace: Duration = timedelta(hours=1)
    vault_timeout: Duration = timedelta(seconds=5)

    @property
    def vault_enabled(self) -> bool:
        return bool(self.vault_addr.strip())

    def vault_token_value(self) -> str | None:
        return read_secret(self.vault_token, self.vault_token_file, "VAULT_TOKEN", strict=False)

    def vault_secret_id_value(self) -> str | None:
        return read_secret(
            self.vault_secret_id, self.vault_secret_id_file, "VAULT_SECRET_ID", strict=False
        )

    @property
    def vault_mount_and_path(self) -> tuple[str, str]:
        mount, _, path = self.vault_secret_path.strip().strip("/").partition("/")
        return mount, path

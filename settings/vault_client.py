"""Talk to Vault through hvac: log in (token, AppRole or Kubernetes), read the KV v2 secret,
renew the token before it expires. Failures are VaultErrors whose message says what to fix and
never holds a token or a secret value."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from settings.secrets import ConfigError
from settings.vault import VaultSettings

# Renew when this share of the token's lease is used up.
RENEW_AT = 2 / 3


class VaultError(ConfigError):
    """Vault could not be used; `kind` is unreachable | denied | missing | sealed | refused."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class VaultSource:
    """One logged-in hvac client; synchronous (the provider calls it off the event loop)."""

    def __init__(self, settings: VaultSettings, *, clock: Callable[[], float] = time.monotonic):
        self._s = settings
        self._clock = clock
        self.addr = settings.vault_addr.strip()
        self.secret_path = settings.vault_secret_path.strip().strip("/")
        self.mount, self.path = settings.vault_mount_and_path
        if not self.path:
            raise VaultError(
                f"VAULT_SECRET_PATH={settings.vault_secret_path!r} needs <mount>/<path> "
                "(e.g. secret/atlasia)",
                kind="missing",
            )
        self.method = (
            "approle"
            if settings.vault_role_id.strip()
            else "kubernetes"
            if settings.vault_k8s_role.strip()
            else "token"
        )
        verify: bool | str = str(settings.vault_cacert) if settings.vault_cacert else True
        # Imported only where Vault is used: hvac and the requests it pulls in are ~8 MB of
        # every process's memory (the API's included) for those who configure no Vault.
        import hvac

        self._client = hvac.Client(
            url=self.addr,
            timeout=max(1, int(settings.vault_timeout.total_seconds())),
            verify=verify,
            namespace=settings.vault_namespace.strip() or None,
        )
        self._renew_at: float | None = None  # monotonic time; None: never expires
        self._renewable = False

    @property
    def token(self) -> str | None:
        """The token in use (for masking log lines only)."""
        value = self._client.token
        return value if isinstance(value, str) and value else None

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        import requests
        from hvac import exceptions as hv

        try:
            yield
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise VaultError(
                f"Vault at VAULT_ADDR={self.addr} is unreachable while trying to {doing} "
                f"({type(exc).__name__})",
                kind="unreachable",
            ) from None
        except hv.VaultDown:
            raise VaultError(
                f"Vault at VAULT_ADDR={self.addr} is sealed or unavailable (503) while trying "
                f"to {doing}",
                kind="sealed",
            ) from None
        except (hv.Forbidden, hv.Unauthorized):
            raise VaultError(
                f"Vault denied hookflow permission to {doing} (permission denied; "
                f"login method {self.method})",
                kind="denied",
            ) from None
        except hv.InvalidPath:
            raise VaultError(f"Vault has nothing at the path to {doing}", kind="missing") from None
        except hv.InvalidRequest:
            raise VaultError(
                f"Vault refused the request to {doing} (400: check the login settings of "
                f"method {self.method})",
                kind="refused",
            ) from None
        except hv.VaultError as exc:
            raise VaultError(
                f"Vault failed to {doing}: {type(exc).__name__}", kind="unreachable"
            ) from None

    def login(self) -> None:
        """Log in with the configured method; a token is checked with lookup-self."""
        s = self._s
        if self.method == "approle":
            secret_id = s.vault_secret_id_value()
            with self._errors(f"log in with AppRole (auth/{s.vault_approle_mount})"):
                answer = self._client.auth.approle.login(
                    role_id=s.vault_role_id.strip(),
                    secret_id=secret_id,
                    mount_point=s.vault_approle_mount,
                )
            self._track(answer.get("auth") or {})
        elif self.method == "kubernetes":
            try:
                jwt = s.vault_k8s_token_path.read_text().strip()
            except OSError as exc:
                raise VaultError(
                    f"VAULT_K8S_ROLE is set but the service-account token "
                    f"{s.vault_k8s_token_path} cannot be read ({exc.strerror}); set "
                    "VAULT_K8S_TOKEN_PATH",
                    kind="refused",
                ) from None
            with self._errors(f"log in with Kubernetes auth (auth/{s.vault_k8s_mount})"):
                answer = self._client.auth.kubernetes.login(
                    role=s.vault_k8s_role.strip(), jwt=jwt, mount_point=s.vault_k8s_mount
                )
            self._track(answer.get("auth") or {})
        else:
            token = s.vault_token_value()
            if not token:
                raise VaultError(
                    "VAULT_ADDR is set but hookflow has no way to log in: set VAULT_TOKEN "
                    "(or VAULT_TOKEN_FILE), VAULT_ROLE_ID + VAULT_SECRET_ID, or VAULT_K8S_ROLE",
                    kind="refused",
                )
            self._client.token = token
            with self._errors("look up its token (VAULT_TOKEN)"):
                data = self._client.auth.token.lookup_self().get("data") or {}
            self._track({"lease_duration": data.get("ttl"), "renewable": data.get("renewable")})

    def _track(self, auth: dict[str, Any]) -> None:
        lease = auth.get("lease_duration")
        self._renewable = bool(auth.get("renewable"))
        if isinstance(lease, int | float) and lease > 0:
            self._renew_at = self._clock() + lease * RENEW_AT
        else:
            self._renew_at = None  # a token without expiry (e.g. a root token)

    @property
    def renew_at(self) -> float | None:
        return self._renew_at

    def keep_alive(self) -> None:
        """Renew the token when its lease is 2/3 used; log in again when it cannot be."""
        if self._renew_at is None or self._clock() < self._renew_at:
            return
        if self._renewable:
            try:
                with self._errors("renew its token"):
                    answer = self._client.auth.token.renew_self()
                self._track(answer.get("auth") or {})
                return
            except VaultError as exc:
                if self.method == "token" or exc.kind in ("unreachable", "sealed"):
                    raise
        if self.method == "token":
            self._renew_at = None  # a static token that cannot be renewed: nothing to do
            return
        self.login()

    def read(self) -> dict[str, str]:
        """The key/value pairs at VAULT_SECRET_PATH (latest KV v2 version); text values only."""
        where = f"read VAULT_SECRET_PATH={self.secret_path} (KV v2 {self.mount}/data/{self.path})"
        with self._errors(where):
            answer = self._client.secrets.kv.v2.read_secret_version(
                path=self.path, mount_point=self.mount, raise_on_deleted_version=True
            )
        data = (answer.get("data") or {}).get("data") or {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.adapter.close()

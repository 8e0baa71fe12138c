"""What the API process loads: no workflow or activity code, and no Vault client unless Vault
is configured (hvac and the requests it pulls in are ~8 MB of the API's memory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import json, sys
import api.main
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def loaded_by_the_api(env: dict[str, str]) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("VAULT_")} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_the_api_loads_neither_workflows_nor_a_vault_client_it_does_not_use() -> None:
    loaded = loaded_by_the_api({})
    assert "api" in loaded and "delivery" in loaded  # the probe did import the API
    assert not loaded & {"workflows", "activities", "worker"}
    assert not loaded & {"hvac", "requests"}


def test_a_vault_source_still_brings_its_client() -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from settings.vault import VaultSettings\n"
            "from settings.vault_client import VaultSource\n"
            "VaultSource(VaultSettings(vault_addr='http://127.0.0.1:9', "
            "vault_secret_path='secret/atlasia'))\n"
            "print('hvac' in sys.modules)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert probe.stdout.strip().splitlines()[-1] == "True"

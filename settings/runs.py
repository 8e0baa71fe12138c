"""Settings of AI runs: the agent (command, HTTP or the built-in LLM), its sandbox and limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, field_validator

from egress.allowlist import AllowEntry, parse_allow_hosts
from settings.durations import Duration
from settings.parsed import parsed_by


class RunSettings(BaseModel):
    run_agent: Literal["command", "http", "llm", ""] = ""
    run_agent_command: str = ""
    run_agent_url: str = ""
    run_phases: str = "qualify,plan,implement,test,document,report"
    run_max_ci_iterations: int = 3
    run_approval_required: bool = False
    run_workspace_dir: Path = Path("~/.hookflow/workspaces")
    run_phase_timeout: Duration = timedelta(minutes=30)
    # How long a run whose phase failed waits for a `retry` signal, and how long it waits for CI.
    run_retry_window: Duration = timedelta(hours=1)
    run_ci_timeout: Duration = timedelta(hours=6)
    # How often the worker closes run rows whose workflow ended from outside (terminated …).
    run_reconcile_interval: Duration = timedelta(seconds=30)

    # --- built-in LLM agent (RUN_AGENT=llm), review feedback and slash commands ---
    llm_base_url: str = "https://api.openai.com/v1"
    llm_model: str = ""
    llm_max_tokens: int = 4096
    # Bytes of issue, earlier artifacts and repository content one request may carry.
    llm_context_bytes: int = 200_000
    # Per HTTP request; the phase as a whole has RUN_PHASE_TIMEOUT.
    llm_timeout: Duration = timedelta(minutes=5)
    llm_max_retries: int = 4  # 429 / 5xx / timeouts, honouring retry-after
    run_prompts_dir: Path | None = None
    # A SUCCEEDED run still takes review feedback (as a follow-up on its branch) this long.
    run_feedback_window: Duration = timedelta(days=7)
    # Implement iterations per run, CI fixes and review feedback together.
    run_max_iterations: int = 5
    # The name people @mention in reviews and use in slash commands (/hookflow …).
    hookflow_handle: str = "hookflow"

    # The command agent's sandbox: bubblewrap when it works (auto), always (bwrap) or never (none).
    run_agent_sandbox: Literal["auto", "bwrap", "none"] = "auto"
    run_agent_bind: str = ""  # extra read-only paths inside the sandbox ("path,path")
    run_agent_env: str = ""  # names passed to the agent besides PATH, LANG, LC_*, TZ, HOOKFLOW_*
    # Agent stdout, patch and log are each kept up to this many bytes (one truncation marker).
    run_artifact_max_bytes: int = 262_144

    # --- agent safety: network, who may start work ---
    # proxy: own network namespace, egress only through hookflow's proxy to
    # RUN_AGENT_ALLOW_HOSTS; none: loopback only; host: the worker's network (unsafe).
    run_agent_network: Literal["proxy", "host", "none"] = "proxy"
    # "host" (ports 80, 443), "host:port", "*.domain" (names below it), comma separated.
    run_agent_allow_hosts: Annotated[str, parsed_by(parse_allow_hosts)] = ""
    # The least GitHub role whose label, /hookflow run or review feedback starts work.
    run_trigger_permission: Literal["read", "triage", "write", "maintain", "admin"] = "write"
    run_trigger_permission_ttl: Duration = timedelta(seconds=60)  # a looked-up role is reused

    @field_validator("run_artifact_max_bytes")
    @classmethod
    def _check_artifact_size(cls, value: int) -> int:
        if value < 1024:
            raise ValueError("RUN_ARTIFACT_MAX_BYTES must be at least 1024")
        return value

    @property
    def run_agent_allow_entries(self) -> tuple[AllowEntry, ...]:
        return parse_allow_hosts(self.run_agent_allow_hosts)

    @property
    def run_phase_list(self) -> list[str]:
        return [p.strip() for p in self.run_phases.split(",") if p.strip()]

    @property
    def run_agent_bind_list(self) -> list[str]:
        return [p.strip() for p in self.run_agent_bind.split(",") if p.strip()]

    @property
    def run_agent_env_names(self) -> list[str]:
        return [n.strip() for n in self.run_agent_env.split(",") if n.strip()]

"""The agent check: an AI-run agent is configured completely and, for a command agent, the
bubblewrap sandbox can be built on this host."""

from __future__ import annotations

from activities.runs import agent_config_error
from activities.sandbox import SandboxUnavailable, sandbox_mode
from checks.result import Check, fail, ok, warn
from settings import Settings

NAME = "agent"


def check_agent(settings: Settings) -> Check:
    if not settings.run_agent:
        return ok(
            NAME, "no agent configured (RUN_AGENT unset): ai:run issues get a comment saying so"
        )
    problem = agent_config_error(settings)
    if problem is not None:
        return fail(NAME, problem)
    if settings.run_agent != "command":
        return ok(NAME, f"RUN_AGENT={settings.run_agent}")
    try:
        mode = sandbox_mode(settings)
    except SandboxUnavailable as exc:
        return fail(
            "agent sandbox",
            str(exc),
            "allow unprivileged user namespaces (see README: systemd / Helm notes)",
        )
    if mode == "none":
        return warn(
            "agent sandbox",
            "RUN_AGENT_SANDBOX=none: agents run unsandboxed as the worker's user",
            "install bubblewrap and unset RUN_AGENT_SANDBOX",
        )
    return ok("agent sandbox", f"bubblewrap works (network {settings.run_agent_network})")

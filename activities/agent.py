"""Agent phase activity: run one phase of an AI run with the configured backend (command |
http | llm; the command agent sandboxed) and store its bounded outputs as artifacts."""

from __future__ import annotations

import dataclasses
import json

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.agent_command import CommandAgent
from activities.agent_http import post_phase
from activities.agent_llm import LLMAgent
from activities.agent_phase import (
    SUMMARY_CHARS,
    PhaseInput,
    PhaseOutput,
    PhaseProduct,
    artifact_text,
    phase_artifact_name,
    request_body,
    summary_of,
    workspace_patch,
)
from activities.runs import ArtifactInput, load_artifact, store_artifact
from db.engine import SessionFactory
from settings import Settings

__all__ = ["AgentActivities", "PhaseInput", "PhaseOutput", "PhaseProduct", "request_body"]

NO_AGENT = (
    "no agent configured: set RUN_AGENT=command and RUN_AGENT_COMMAND=<executable and args>, "
    "or RUN_AGENT=http and RUN_AGENT_URL=<agent endpoint>, or RUN_AGENT=llm and LLM_MODEL=<model>"
)


class AgentActivities:
    def __init__(self, settings: Settings, sessions: SessionFactory | None = None) -> None:
        self._settings = settings
        self._sessions = sessions

    @property
    def _time_limit(self) -> float:
        return self._settings.durations.run_phase_timeout.total_seconds()

    @property
    def _limit(self) -> int:
        return self._settings.run_artifact_max_bytes

    @activity.defn(name="agent.run_phase")
    async def run_phase(self, input: PhaseInput) -> PhaseOutput:
        """Run one agent phase, store its artifact, patch and log; return their ids."""
        if self._sessions is None:
            raise ApplicationError("AgentActivities built without a database", non_retryable=True)
        previous = dict(input.previous)
        for phase, name in input.previous_artifacts.items():
            row = await load_artifact(self._sessions, input.run_id, name)
            if row is not None:
                previous[phase] = json.loads(row.content) if row.kind == "json" else row.content
        product = await self.produce(dataclasses.replace(input, previous=previous))
        name = phase_artifact_name(input.phase, input.iteration)
        text = artifact_text(product.artifact)
        stored = [(name, product.kind, text, "artifact")]
        if product.patch:
            stored.append(("patch", "patch", product.patch, "patch"))
        if product.log_tail:
            stored.append((f"log-{name}", "text", product.log_tail, "log"))
        ids = {}
        for item_name, kind, content, part in stored:
            dropped = product.dropped.get(part, 0)
            ids[item_name] = await store_artifact(
                self._sessions,
                ArtifactInput(input.run_id, item_name, kind, content),
                size=len(content.encode()) + dropped if dropped else None,
                limit=self._limit + 200,
            )  # already capped: room for the one marker
        return PhaseOutput(
            phase=input.phase,
            kind=product.kind,
            summary=summary_of(product.artifact)[:SUMMARY_CHARS],
            artifact_name=name,
            artifact_ids=ids,
            truncated=product.truncated,
            usage=product.usage,
            refused_hosts=product.network.refused() if product.network else [],
        )

    async def produce(self, input: PhaseInput) -> PhaseProduct:
        """Run the configured backend, then take the workspace's patch; every output is capped
        at RUN_ARTIFACT_MAX_BYTES."""
        reply = await self._run_backend(input)
        patch, patch_dropped = await workspace_patch(input.workspace, input.base_sha, self._limit)
        return dataclasses.replace(
            reply,
            patch=patch,
            truncated=reply.truncated or bool(patch_dropped),
            dropped={**reply.dropped, "patch": patch_dropped},
        )

    async def _run_backend(self, input: PhaseInput) -> PhaseProduct:
        """The configured backend's product, without the patch (`produce` adds it)."""
        backend = self._settings.run_agent
        if backend == "command" and self._settings.run_agent_command.strip():
            return await self._run_command(input)
        if backend == "http" and self._settings.run_agent_url.strip():
            return await self._run_http(input)
        if backend == "llm" and self._settings.llm_model.strip():
            return await self._run_llm(input)
        raise ApplicationError(NO_AGENT, type="AgentNotConfigured", non_retryable=True)

    async def _run_command(self, input: PhaseInput) -> PhaseProduct:
        agent = CommandAgent(self._settings, self._sessions)
        return await agent.run(input, time_limit=self._time_limit, limit=self._limit)

    async def _run_llm(self, input: PhaseInput) -> PhaseProduct:
        reply = await LLMAgent(self._settings).run(request_body(input))
        return PhaseProduct(
            phase=input.phase,
            artifact=reply.artifact,
            kind=reply.kind,
            patch="",
            log_tail=reply.log[-self._limit :],
            truncated=False,
            usage=reply.usage,
        )

    async def _run_http(self, input: PhaseInput) -> PhaseProduct:
        artifact, kind, truncated = await post_phase(
            self._settings.run_agent_url,
            request_body(input),
            time_limit=self._time_limit,
            limit=self._limit,
        )
        return PhaseProduct(
            phase=input.phase,
            artifact=artifact,
            kind=kind,
            patch="",
            log_tail="",
            truncated=truncated,
        )

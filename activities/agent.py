"""Agent phase activity: run one phase of an AI run with the configured backend (command |
http | llm; the command agent sandboxed) and store its bounded outputs as artifacts."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

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
from activities.run_context import record_hidden_text
from activities.runs import ArtifactInput, load_artifact, store_artifact
from agent_context.phase import PhaseContext, phase_context
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
        return self._settings.run_phase_timeout.total_seconds()

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
        await record_hidden_text(self._sessions, input.run_id, product.hidden_text)
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
        """Run the configured backend on the phase's cleaned context, then take the
        workspace's patch; every output is capped at RUN_ARTIFACT_MAX_BYTES."""
        context = await self._context(input)
        reply = await self._run_backend(input, context)
        patch, patch_dropped = await workspace_patch(input.workspace, input.base_sha, self._limit)
        return dataclasses.replace(
            reply,
            patch=patch,
            truncated=reply.truncated or bool(patch_dropped),
            dropped={**reply.dropped, "patch": patch_dropped},
            hidden_text=context.removed,
        )

    async def _context(self, input: PhaseInput) -> PhaseContext:
        """The issue as GitHub shows it, its discussion and the repository's instructions."""
        comments = None
        if input.comments_artifact and self._sessions is not None:
            row = await load_artifact(self._sessions, input.run_id, input.comments_artifact)
            comments = json.loads(row.content) if row is not None and not row.truncated else None
        return await asyncio.to_thread(
            phase_context,
            input.issue,
            feedback=input.feedback,
            ci_failure=input.ci_failure,
            comments=comments,
            workspace=input.workspace,
            context_bytes=self._settings.llm_context_bytes,
        )

    async def _run_backend(self, input: PhaseInput, context: PhaseContext) -> PhaseProduct:
        """The configured backend's product, without the patch (`produce` adds it)."""
        backend = self._settings.run_agent
        request = request_body(input, context)
        if backend == "command" and self._settings.run_agent_command.strip():
            agent = CommandAgent(self._settings, self._sessions)
            return await agent.run(input, request, time_limit=self._time_limit, limit=self._limit)
        if backend == "http" and self._settings.run_agent_url.strip():
            return await self._run_http(request)
        if backend == "llm" and self._settings.llm_model.strip():
            return await self._run_llm(input, request)
        raise ApplicationError(NO_AGENT, type="AgentNotConfigured", non_retryable=True)

    async def _run_llm(self, input: PhaseInput, request: dict[str, Any]) -> PhaseProduct:
        reply = await LLMAgent(self._settings).run(request)
        return PhaseProduct(
            phase=input.phase,
            artifact=reply.artifact,
            kind=reply.kind,
            patch="",
            log_tail=reply.log[-self._limit :],
            truncated=False,
            usage=reply.usage,
        )

    async def _run_http(self, request: dict[str, Any]) -> PhaseProduct:
        artifact, kind, truncated = await post_phase(
            self._settings.run_agent_url,
            request,
            time_limit=self._time_limit,
            limit=self._limit,
        )
        return PhaseProduct(
            phase=str(request["phase"]),
            artifact=artifact,
            kind=kind,
            patch="",
            log_tail="",
            truncated=truncated,
        )

"""Built-in LLM agent backend (RUN_AGENT=llm): one phase = one Chat Completions request to any
OpenAI-compatible server; `implement` answers with SEARCH/REPLACE blocks applied in the worktree."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.agent_phase import parse_artifact
from activities.edits import EditError, apply_edits
from activities.git import Git, read_state
from activities.llm_prompt import build_messages
from activities.process import heartbeat_interval
from settings import Settings, format_duration

if TYPE_CHECKING:
    import openai

T = TypeVar("T")
NO_KEY = "no-key"  # servers such as Ollama take no key, but the client wants a non-empty one


@dataclass
class LLMReply:
    artifact: Any
    kind: str
    usage: dict[str, int] = field(default_factory=dict)
    log: str = ""


def add_usage(total: dict[str, int], usage: Any) -> dict[str, int]:
    """Sum the token counts of one more completion into `total` (requests counted too)."""
    total["requests"] = total.get("requests", 0) + 1
    for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
        total[name] = total.get(name, 0) + int(getattr(usage, name, 0) or 0)
    return total


async def with_heartbeat(work: Awaitable[T], what: str) -> T:
    """Await `work`, heartbeating meanwhile; a cancelled activity abandons it at once."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=heartbeat_interval())
            if done:
                return task.result()
            with contextlib.suppress(RuntimeError):
                activity.heartbeat(what)
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def load_openai() -> ModuleType:
    """The `openai` package, imported off the event loop: importing it (and its lazily loaded
    chat resources) takes seconds, which would block heartbeats. Only llm workers pay for it."""

    def load() -> ModuleType:
        importlib.import_module("openai.resources.chat")
        return importlib.import_module("openai")

    return await asyncio.to_thread(load)


async def changed_files(workspace: str | None) -> list[str]:
    """Files the run branch changed since the run's base commit (none outside a clone)."""
    state = read_state(Path(workspace)) if workspace else None
    if not workspace or not state or not state.get("base_sha"):
        return []
    code, out = await Git(state.get("clone_url", "")).run(
        "diff", "--name-only", state["base_sha"], "HEAD", cwd=workspace, check=False
    )
    return [line for line in out.splitlines() if line] if code == 0 else []


class LLMAgent:
    """Talks to LLM_BASE_URL with LLM_API_KEY, the only credential this backend uses."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _client(self, sdk: ModuleType) -> openai.AsyncOpenAI:
        s = self._settings
        timeout = s.llm_timeout.total_seconds()
        client: openai.AsyncOpenAI = sdk.AsyncOpenAI(
            api_key=s.llm_api_key_value() or NO_KEY,
            base_url=s.llm_base_url,
            timeout=httpx.Timeout(timeout, connect=min(30.0, timeout)),
            max_retries=s.llm_max_retries,
            organization=None,
            project=None,
        )
        # The client also reads OPENAI_* variables; hookflow sends nothing but the model key.
        for name in ("organization", "project", "webhook_secret", "admin_api_key"):
            if hasattr(client, name):
                setattr(client, name, None)
        return client

    async def _complete(
        self,
        client: openai.AsyncOpenAI,
        messages: list[dict[str, str]],
        phase: str,
        usage: dict[str, int],
    ) -> str:
        s = self._settings
        sdk = await load_openai()
        try:
            response = await with_heartbeat(
                client.chat.completions.create(
                    model=s.llm_model,
                    messages=messages,  # type: ignore[arg-type]
                    max_tokens=s.llm_max_tokens,
                ),
                f"waiting for {s.llm_model} ({phase})",
            )
        except sdk.APITimeoutError:
            raise ApplicationError(
                f"phase {phase}: the model server did not answer within LLM_TIMEOUT="
                f"{format_duration(s.llm_timeout)} ({s.llm_max_retries} retries)",
                type="LLMTimeout",
            ) from None
        except sdk.APIConnectionError as exc:
            raise ApplicationError(
                f"phase {phase}: model server at {s.llm_base_url} unreachable: {exc}",
                type="LLMUnavailable",
            ) from None
        except sdk.APIStatusError as exc:
            retryable = exc.status_code == 429 or exc.status_code >= 500
            raise ApplicationError(
                f"phase {phase}: model server answered {exc.status_code}: "
                f"{str(exc.message)[:1000]}",
                type="LLMHTTP",
                non_retryable=not retryable,
            ) from None
        if response.usage is not None:
            add_usage(usage, response.usage)
        if not response.choices:
            raise ApplicationError(f"phase {phase}: the model returned no choice", type="LLMEmpty")
        choice = response.choices[0]
        text = choice.message.content or ""
        if not text.strip():
            raise ApplicationError(
                f"phase {phase}: the model returned an empty answer "
                f"(finish_reason={choice.finish_reason})",
                type="LLMEmpty",
            )
        return text

    async def run(self, request: dict[str, Any]) -> LLMReply:
        """Run one phase; for `implement` also apply the edits (one corrective round trip)."""
        s = self._settings
        phase = str(request.get("phase") or "")
        workspace = request.get("workspace")
        messages = build_messages(
            request,
            prompts_dir=s.run_prompts_dir,
            context_bytes=s.llm_context_bytes,
            changed=await changed_files(workspace),
        )
        usage: dict[str, int] = {}
        log: list[str] = []
        client = self._client(await load_openai())
        async with client:
            answer = await self._complete(client, messages, phase, usage)
            if phase != "implement" or not workspace:
                parsed, kind = parse_artifact(answer)
                return LLMReply(self._wrap(parsed, usage), "json", usage)
            changed: list[str] = []
            for attempt in (1, 2):
                try:
                    changed = await asyncio.to_thread(apply_edits, Path(workspace), answer)
                    break
                except EditError as exc:
                    log.append(f"edits not applied (attempt {attempt}): {exc}")
                    if attempt == 2:
                        raise ApplicationError(
                            f"phase implement: the model's edits do not apply: {exc}",
                            type="LLMEditFailed",
                            non_retryable=True,
                        ) from None
                    messages += [
                        {"role": "assistant", "content": answer},
                        {
                            "role": "user",
                            "content": (
                                f"Your edits could not be applied: {exc}\nNothing was changed. "
                                "Send the complete set of SEARCH/REPLACE blocks again."
                            ),
                        },
                    ]
                    answer = await self._complete(client, messages, phase, usage)
        summary = answer.strip().splitlines()[0][:500] if answer.strip() else ""
        return LLMReply(
            self._wrap({"summary": summary, "changed": changed}, usage),
            "json",
            usage,
            "\n".join(log),
        )

    def _wrap(self, answer: Any, usage: dict[str, int]) -> dict[str, Any]:
        return {"answer": answer, "model": self._settings.llm_model, "usage": dict(usage)}

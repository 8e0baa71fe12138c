"""One Temporal call of a stored plan, and how its failures are judged (permanent or not)."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import Enum

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from contract.actions import DispatchAction

log = logging.getLogger("hookflow.dispatch")

RPC_TIMEOUT = timedelta(seconds=3)
BACKOFF_CAP = timedelta(minutes=5)
_PERMANENT_STATUSES = (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.OUT_OF_RANGE)
# How the client's transport words an unreachable server (the server's own UNAVAILABLE, e.g. a
# shard not ready, says something else and keeps its backoff).
_TRANSPORT_WORDS = ("connect", "transport", "connection")


class Result(Enum):
    DONE = "done"
    RETRY = "retry"  # transient: pending, tried again after a backoff
    FAILED = "failed"  # for good: Temporal will never take it, or out of attempts / time
    SKIPPED = "skipped"  # not pending (another dispatcher has it, or it is finished)


def is_permanent(exc: BaseException) -> bool:
    """Errors a retry cannot fix: the request itself is refused (id or payload too long,
    invalid argument), or the stored plan cannot even be encoded."""
    if isinstance(exc, RPCError):
        if exc.status in _PERMANENT_STATUSES:
            return True
        # gRPC's own message-size limit ("larger than max"): the same request never fits.
        return exc.status == RPCStatusCode.RESOURCE_EXHAUSTED and "larger than max" in str(exc)
    return isinstance(exc, TypeError | ValueError | KeyError)


def is_unreachable(exc: BaseException) -> bool:
    """The client could not reach Temporal at all (not a request Temporal refused, nor a busy
    or partly down server): once it answers a health check again, what waits out a backoff
    because of it can go at once."""
    if isinstance(exc, RPCError):
        text = str(exc).lower()
        return exc.status == RPCStatusCode.UNAVAILABLE and any(
            word in text for word in _TRANSPORT_WORDS
        )
    # A lazy client that cannot (re)connect says so in a RuntimeError of its own.
    return isinstance(exc, RuntimeError) and str(exc).startswith("Failed client connect")


def give_up_reason(
    exc: BaseException, attempts: int, max_attempts: int, age: timedelta, max_age: timedelta
) -> str | None:
    """Why a failed dispatch ends for good, or None when it is tried again after a backoff."""
    if is_permanent(exc):
        return "Temporal refused it"
    if attempts >= max_attempts:
        return f"gave up after {attempts} attempts"
    if age >= max_age:
        return f"gave up after {age} (DISPATCH_MAX_AGE)"
    return None


def backoff(attempts: int, interval: float) -> timedelta:
    """interval × 2^(attempts-1), at most BACKOFF_CAP."""
    seconds = interval * 2 ** min(max(attempts - 1, 0), 20)
    return min(timedelta(seconds=seconds), BACKOFF_CAP)


async def run_action(client: Client, action: DispatchAction, task_queue: str) -> None:
    """Perform one action; already-started / already-finished counts as done."""
    if action.kind == "signal":
        handle: WorkflowHandle[object, object] = client.get_workflow_handle(action.workflow_id)
        try:
            await handle.signal(action.signal or "", action.signal_arg, rpc_timeout=RPC_TIMEOUT)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND and action.optional:
                log.info(
                    "workflow %s not running; signal %s dropped", action.workflow_id, action.signal
                )
                return
            raise
        return
    kwargs: dict[str, object] = {}
    if action.kind == "signal_with_start":
        kwargs = {
            "start_signal": action.signal,
            "start_signal_args": [action.signal_arg],
            "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
            "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        }
    else:
        kwargs = {"id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE}
    try:
        await client.start_workflow(  # type: ignore[call-overload]
            action.workflow,
            action.arg,
            id=action.workflow_id,
            task_queue=task_queue,
            memo=action.memo or None,
            rpc_timeout=RPC_TIMEOUT,
            **kwargs,
        )
    except WorkflowAlreadyStartedError:
        log.info("workflow %s already started", action.workflow_id)

"""Route a recorded delivery again with today's code, store the plan as a new row and run it
through the dispatcher, like a delivery. Business-key ids prevent doubles unless forced."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from contract.actions import DispatchAction
from db.engine import SessionFactory
from db.models import WebhookEvent
from delivery.dispatcher import Dispatcher
from delivery.replay_plan import expected_outcome, forced, replay_key
from delivery.row import event_row
from routing.decision import Delivery, RoutingConfig
from routing.router import route
from runs.admission import admit

log = logging.getLogger("hookflow.replay")

REPLAY_PREFIX = "replay:"  # dedupe_key of replay rows: never taken by a GitHub delivery
DESCRIBE_TIMEOUT = timedelta(seconds=3)


@dataclass
class ReplayAnswer:
    status_code: int
    body: dict[str, Any]


async def _original(session: AsyncSession, delivery_id: str) -> WebhookEvent | None:
    """The newest authenticated record of that GitHub delivery (not an earlier replay)."""
    query = (
        select(WebhookEvent)
        .where(
            WebhookEvent.delivery_id == delivery_id,
            col(WebhookEvent.signature_valid).is_(True),
            func.coalesce(WebhookEvent.dedupe_key, "").not_like(f"{REPLAY_PREFIX}%"),
        )
        .order_by(col(WebhookEvent.processed_at).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def _existing(client: Client, workflow_id: str) -> str | None:
    """ "running", "closed", or None when no workflow carries that id."""
    try:
        described = await client.get_workflow_handle(workflow_id).describe(
            rpc_timeout=DESCRIBE_TIMEOUT
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return "running" if described.status == WorkflowExecutionStatus.RUNNING else "closed"


async def _outcomes(client: Client, actions: list[DispatchAction]) -> list[dict[str, str]]:
    result = []
    for action in actions:
        try:
            outcome = expected_outcome(action, await _existing(client, action.workflow_id))
        except (RPCError, RuntimeError) as exc:  # Temporal down: the dispatcher retries later
            log.info("replay: cannot describe %s: %s", action.workflow_id, exc)
            outcome = "unknown"
        result.append(
            {
                "workflowId": action.workflow_id,
                "workflow": action.workflow,
                "kind": action.kind,
                "outcome": outcome,
            }
        )
    return result


def _routable(row: WebhookEvent) -> str | None:
    """Why a recorded delivery cannot be routed again, or None."""
    if "_raw" in row.payload or not row.payload:
        return f"delivery was recorded without a usable payload ({row.error or 'rejected'})"
    return None


@dataclass
class ReplayDeps:
    """What a replay reads and starts with (built once at start-up, beside the dispatcher)."""

    sessions: SessionFactory
    temporal: Client
    routing: RoutingConfig
    dispatcher: Dispatcher
    inline_timeout: float


async def replay_delivery(deps: ReplayDeps, delivery_id: str, *, force: bool) -> ReplayAnswer:
    async with deps.sessions() as session:
        row = await _original(session, delivery_id)
        if row is None:
            return ReplayAnswer(
                404, {"status": "error", "reason": f"no recorded delivery {delivery_id}"}
            )
        problem = _routable(row)
        if problem is not None:
            return ReplayAnswer(409, {"status": "error", "reason": problem})
        delivery = Delivery(
            event=row.event_type,
            payload=row.payload,
            delivery_id=row.delivery_id or delivery_id,
            hook_id=row.hook_id or "",
        )
        dedupe_key = row.dedupe_key or f"{delivery.hook_id}:{delivery.delivery_id}"
        suffix = uuid.uuid4().hex[:8]
        decision = route(
            delivery, deps.routing, replay_key(dedupe_key, suffix) if force else dedupe_key
        )
        if force:
            decision = forced(decision, suffix)
        admitted = await admit(
            session, decision.actions, decision.response, decision.new_run, row.delivery_id
        )
        actions, response = admitted.actions, admitted.response
        outcomes = await _outcomes(deps.temporal, actions)
        event_id = uuid.uuid4()
        values = event_row(
            delivery,
            decision,
            event_id=event_id,
            dedupe_key=f"{REPLAY_PREFIX}{event_id}",
            body_size=row.body_size or 0,
            actions=actions,
            response=response | {"replayOf": str(row.id), "force": force},
        )
        # The stored columns as they were, not as today's cleaning would write them.
        values.update(
            delivery_id=row.delivery_id, hook_id=row.hook_id, action=row.action, repo=row.repo
        )
        session.add(WebhookEvent(**values))
        if admitted.run is not None:
            session.add(admitted.run)
        await session.commit()
    dispatched = not actions or await deps.dispatcher.dispatch_within(event_id, deps.inline_timeout)
    log.info(
        "delivery %s replayed as %s (force=%s): %s",
        delivery_id,
        event_id,
        force,
        [(o["workflowId"], o["outcome"]) for o in outcomes],
    )
    return ReplayAnswer(
        200,
        {
            "status": ("replayed" if dispatched else "pending") if actions else decision.status,
            "deliveryId": delivery_id,
            "replayOf": str(row.id),
            "replayEventId": str(event_id),
            "force": force,
            "decision": response,
            "actions": outcomes,
            "started": [o["workflowId"] for o in outcomes if o["outcome"] == "started"],
        },
    )

"""Route a recorded delivery again with today's code, store the plan as a new row and run it
through the dispatcher, like a delivery. Business-key ids prevent doubles unless forced."""

from __future__ import annotations

import asyncio
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

from api.deps import AppState
from api.ingest import attach_to_active
from db.active_runs import active_run, received_run
from db.models import Run, WebhookEvent
from db.types import utcnow
from routing.actions import DispatchAction
from routing.decision import Delivery, RouteDecision
from routing.replay import expected_outcome, forced, replay_key
from routing.router import route

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


async def replay_delivery(state: AppState, delivery_id: str, *, force: bool) -> ReplayAnswer:
    async with state.sessions() as session:
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
            delivery, state.routing, replay_key(dedupe_key, suffix) if force else dedupe_key
        )
        if force:
            decision = forced(decision, suffix)
        actions, response, run = await _attach_or_create_run(session, decision, row.delivery_id)
        outcomes = await _outcomes(state.temporal, actions)
        event_id = uuid.uuid4()
        session.add(
            WebhookEvent(
                id=event_id,
                event_type=row.event_type,
                payload=row.payload,
                signature_valid=True,
                processed_at=utcnow().replace(tzinfo=None),
                delivery_id=row.delivery_id,
                hook_id=row.hook_id,
                dedupe_key=f"{REPLAY_PREFIX}{event_id}",
                action=row.action,
                repo=row.repo,
                body_size=row.body_size,
                http_status=200,
                dispatch_status="pending" if actions else decision.status,
                dispatch_plan=[a.to_json() for a in actions],
                workflow_ids=[a.workflow_id for a in actions],
                response=response | {"replayOf": str(row.id), "force": force},
            )
        )
        if run is not None:
            session.add(run)
        await session.commit()
    dispatched = not actions or await _dispatch(state, event_id)
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


async def _attach_or_create_run(
    session: AsyncSession, decision: RouteDecision, delivery_id: str | None
) -> tuple[list[DispatchAction], dict[str, Any], Run | None]:
    """As for a delivery: one run per issue; a run that exists already is not created again."""
    actions, response, new_run = list(decision.actions), dict(decision.response), decision.new_run
    if new_run is None:
        return actions, response, None
    if await session.get(Run, uuid.UUID(new_run.run_id)) is not None:
        return actions, response, None  # the first delivery's run: its id is the business key
    active = await active_run(session, new_run.repo, new_run.issue_number)
    if active is not None:
        actions, response = attach_to_active(actions, new_run, active)
        return actions, response, None
    return actions, response, received_run(new_run, delivery_id)


async def _dispatch(state: AppState, event_id: uuid.UUID) -> bool:
    """Start the plan now; if Temporal does not answer in time, the dispatcher loop will."""
    try:
        done = await asyncio.wait_for(
            state.dispatcher.dispatch(event_id),
            timeout=state.settings.dispatch_inline_timeout.total_seconds(),
        )
    except Exception:  # noqa: BLE001 - still pending in the database; the loop retries
        done = False
    if not done:
        state.dispatcher.wake()
    return done

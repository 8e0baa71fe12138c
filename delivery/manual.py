"""Runs started by hand (`POST /api/runs`, `/hookflow run`) take a delivery's path: the plan is
stored with a webhook_events row (event `hookflow_run`) in the transaction that admits the run,
and the outbox dispatcher starts it — exactly once, retried while Temporal is away."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import select

from contract.actions import DispatchAction
from contract.statuses import DispatchStatus
from db.engine import SessionFactory
from db.models import Run, WebhookEvent
from db.types import utcnow
from delivery.row import dedupe_key, event_row
from routing.ai_run import accepted_body, new_run_for, start_run_action
from routing.decision import Delivery, RouteDecision
from runs.admission import admit, commit_admitted

MANUAL_EVENT = "hookflow_run"  # webhook_events.event_type of a run started by hand


@dataclass
class ManualStart:
    run: Run  # the new run, or the issue's active run it attached to
    attached: bool
    event_id: uuid.UUID | None = None  # the stored plan's row (None when attached)
    plan: list[DispatchAction] | None = None


def _delivery(repo: str, issue_number: int, source: str, key: str, by: str) -> Delivery:
    payload = {
        "action": source,
        "repository": {"full_name": repo},
        "issue": {"number": issue_number},
        "sender": {"login": by},
    }
    return Delivery(event=MANUAL_EVENT, payload=payload, delivery_id=key, hook_id=source)


async def record_manual_start(
    sessions: SessionFactory,
    *,
    repo: str,
    issue_number: int,
    run_id: str,
    source: str,
    key: str,
    by: str = "",
    due_now: bool = False,
    trigger_comment_id: int | None = None,
) -> ManualStart:
    """Admit a run on the issue and store its start as a plan. `key` names the request (a
    retried caller finds its own row); `due_now` hands the row to the dispatcher loop at once
    (for callers outside the API process, which cannot start it inline)."""
    new_run = new_run_for(repo, issue_number, run_id)
    action = start_run_action(new_run, None, trigger_comment_id=trigger_comment_id)
    delivery = _delivery(repo, issue_number, source, key, by)
    row_key = dedupe_key(f"manual:{source}", key)
    for _ in range(3):
        async with sessions() as session:
            mine = (
                await session.exec(select(WebhookEvent).where(WebhookEvent.dedupe_key == row_key))
            ).first()
            run = await session.get(Run, uuid.UUID(run_id))
            if mine is not None and run is not None:
                return ManualStart(run, False, mine.id, [action])
            body = accepted_body(run_id, repo, issue_number)
            admitted = await admit(session, [action], body, new_run, None)
            if admitted.attached is not None:
                return ManualStart(admitted.attached, True)
            if admitted.run is None and run is not None:  # created by an earlier attempt
                return ManualStart(run, False, mine.id if mine else None, [action])
            decision = RouteDecision(DispatchStatus.ACCEPTED, body, [action], new_run)
            event_id = uuid.uuid4()
            values = event_row(
                delivery,
                decision,
                event_id=event_id,
                dedupe_key=row_key,
                body_size=0,
                actions=admitted.actions,
                response=admitted.response,
            )
            values["http_status"] = 202
            if due_now:
                values["next_attempt_at"] = utcnow()
            session.add(WebhookEvent(**values))
            if admitted.run is not None:
                session.add(admitted.run)
            if await commit_admitted(session, admitted, new_run):
                if admitted.run is not None:
                    await session.refresh(admitted.run)
                    return ManualStart(admitted.run, False, event_id, admitted.actions)
    raise RuntimeError(f"could not admit a run on {repo}#{issue_number}")

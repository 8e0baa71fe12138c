"""Send a person's signal (approve, cancel, retry) to a run's workflow: the one rule the API,
the console and the CLI share (a finished run or a closed workflow takes none)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from contract.names import HUMAN_RUN_SIGNALS
from contract.statuses import SIGNALLABLE_RUN_STATUSES
from db.models import Run
from ops.refused import Refused

log = logging.getLogger("hookflow.run_actions")


class SignalRefused(Refused):
    """Why the signal was not sent: `status` is the HTTP answer (400, 404, 409, 503)."""


@dataclass(frozen=True)
class SignalSent:
    run_id: uuid.UUID
    signal: str
    workflow_id: str


async def signal_run(
    session: AsyncSession, temporal: Client, run_id: uuid.UUID, name: str
) -> SignalSent:
    """Send `name` to the run's workflow if the run and its workflow are still going."""
    # By its contract name: importing the workflow's module would load every activity module
    # into the API (several MB of RSS) for three names.
    signal = next((s for s in HUMAN_RUN_SIGNALS if s == name), None)
    if signal is None:
        raise SignalRefused(
            400, f"unknown signal {name!r}; use one of {', '.join(HUMAN_RUN_SIGNALS)}"
        )
    run = await session.get(Run, run_id)
    if run is None:
        raise SignalRefused(404, "run not found")
    if run.status not in SIGNALLABLE_RUN_STATUSES:
        # Its workflow may still be posting the last comment; the run itself is over.
        raise SignalRefused(409, f"run is finished ({run.status})")
    handle = temporal.get_workflow_handle(run.workflow_id)
    try:
        description = await handle.describe()
        if description.status != WorkflowExecutionStatus.RUNNING:
            raise SignalRefused(409, f"run is finished ({run.status})")
        await handle.signal(signal)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise SignalRefused(409, f"run has no running workflow ({run.status})") from None
        raise SignalRefused(503, "Temporal is unavailable") from None
    log.info("run %s: signal %s sent", run_id, name)
    return SignalSent(run_id, name, run.workflow_id)

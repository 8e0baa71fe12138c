"""The record + start peer's workflow: one activity (in its own module: a workflow defined in
`__main__` cannot be loaded by the workflow sandbox)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

from bench.peers import PEER_WORKFLOW


@activity.defn(name="peer.touch")
async def touch(key: str) -> str:
    return key


@workflow.defn(name=PEER_WORKFLOW)
class PeerWorkflow:
    @workflow.run
    async def run(self, key: str) -> str:
        return await workflow.execute_activity(
            touch, key, start_to_close_timeout=timedelta(seconds=30)
        )

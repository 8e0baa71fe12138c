"""Review feedback (the `feedback` signal and follow-ups): act on it, or answer why not."""

from __future__ import annotations

import hashlib

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contract.inputs import Feedback
    from workflows.run import messages as msg
    from workflows.run.context import RunContext
    from workflows.run.phases import Phases


def feedback_key(feedback: Feedback, what: str) -> str:
    """The comment key for one piece of feedback (one acknowledgement each)."""
    ident = (
        str(feedback.comment_id)
        if feedback.comment_id is not None
        else hashlib.sha256(feedback.text.encode()).hexdigest()[:12]
    )  # deterministic
    return f"feedback-{feedback.source}-{ident}-{what}"


async def answer(run: RunContext, feedback: Feedback, what: str, body: str) -> None:
    """Answer one piece of feedback on the pull request it came from (once for each `what`)."""
    await run.comment(feedback_key(feedback, what), body, number=feedback.pr_number)


async def take_feedback(run: RunContext, phases: Phases, fixing: list[str]) -> bool:
    """Run the fixing phases once more with the queued review text; False (and one comment)
    when RUN_MAX_ITERATIONS is used up."""
    items, run.feedback = run.feedback, []
    text = "\n\n".join(f.text_for_agent() for f in items)
    cap = run.config.max_iterations
    if run.iteration >= cap:
        limit = msg.feedback_limit_comment(
            run_id=run.input.run_id,
            iterations=run.iteration,
            cap=cap,
            pr_url=run.pr_url,
            link=run.link(),
        )
        await answer(run, items[-1], "limit", limit)
        return False
    run.iteration += 1
    ack = msg.feedback_ack_comment(
        run_id=run.input.run_id,
        iteration=run.iteration,
        cap=cap,
        authors=sorted({f.author for f in items if f.author}),
        link=run.link(),
    )
    await answer(run, items[-1], "ack", ack)
    await phases.run_all(fixing, feedback=text)
    return True


async def decline_late_feedback(run: RunContext) -> None:
    """Feedback that came after CI went green is answered, not silently dropped."""
    if not run.feedback:
        return
    late, run.feedback = run.feedback[-1], []
    await answer(
        run, late, "late", msg.feedback_late_comment(run_id=run.input.run_id, link=run.link())
    )

"""Route a verified delivery to zero or more workflow starts. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Callable

from routing.ai_run import route_ai_run
from routing.automation import route_blocked, route_ci_failure, route_pr_merged
from routing.commands import route_commands
from routing.decision import Delivery, HandlerResult, RouteDecision, RoutingConfig
from routing.notify_route import route_notifications
from routing.run_ci import route_run_ci

Handler = Callable[[Delivery, RoutingConfig, str], HandlerResult]

# Handlers keyed by the events they handle (go-githubapp style); each sees every delivery
# of its events and may add actions. The first handler's reason explains an ignored delivery.
HANDLERS: dict[str, list[Handler]] = {
    "issues": [route_ai_run, route_notifications, route_blocked],
    "workflow_run": [route_notifications, route_run_ci, route_ci_failure],
    "check_suite": [route_run_ci],
    "check_run": [route_notifications],
    "pull_request": [route_notifications, route_pr_merged],
    "push": [route_notifications],
    "issue_comment": [route_commands],
    "pull_request_review": [route_commands],
}


def route(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> RouteDecision:
    if delivery.event == "ping":
        return RouteDecision("ignored", {"status": "ignored", "reason": "ping: webhook configured"})
    repo = delivery.repo
    if not config.allows(repo):
        return RouteDecision(
            "ignored", {"status": "ignored", "reason": f"repository {repo} is not allowed"}
        )
    handlers = HANDLERS.get(delivery.event)
    if not handlers:
        return RouteDecision("ignored", {"status": "ignored", "reason": "not an issues event"})
    results = [handler(delivery, config, dedupe_key) for handler in handlers]
    handled = [r for r in results if r.handled]
    if not handled:
        reason = next((r.reason for r in results if r.reason), "not handled")
        return RouteDecision("ignored", {"status": "ignored", "reason": reason})
    response: dict[str, object] = {"status": "accepted"}
    actions = []
    new_run = None
    for result in handled:
        response.update(result.response)
        actions.extend(result.actions)
        new_run = new_run or result.new_run
    if new_run is None:
        # The ai:run body is exact (the webhook contract); other handled events list what they
        # started.
        response["workflowIds"] = sorted({a.workflow_id for a in actions})
    return RouteDecision("accepted", response, actions, new_run)

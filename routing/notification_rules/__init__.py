"""One small rule per GitHub event: the fields its notification has beyond the shared ones.

Each rule reads the payload through `routing.fields` and returns either the differing fields or
the reason it produces nothing; `routing.notifications.classify` builds the Notification.
"""

from __future__ import annotations

from collections.abc import Mapping

from routing.notification_rules.ci import check_run, workflow_run
from routing.notification_rules.context import EventContext, Fields, Rule
from routing.notification_rules.repository import issues, pull_request, push

__all__ = ["RULES", "EventContext", "Fields", "Rule"]

RULES: Mapping[str, Rule] = {
    "workflow_run": workflow_run,
    "check_run": check_run,
    "pull_request": pull_request,
    "issues": issues,
    "push": push,
}

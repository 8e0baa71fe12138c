"""Whether a run's commit passed CI, from every check suite GitHub reports for it (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from activities.run_github import SuiteState
from routing.ci_conclusions import PASSING_CONCLUSIONS as PASSING

__all__ = ["PASSING", "CIVerdict", "ci_verdict"]


@dataclass
class CIVerdict:
    pending: list[str] = field(default_factory=list)  # suites still queued or running
    failed: list[SuiteState] = field(default_factory=list)
    counted: int = 0  # suites that decide (apps that ran checks on the commit)

    @property
    def decided(self) -> bool:
        return not self.pending


def ci_verdict(suites: list[SuiteState]) -> CIVerdict:
    """Pending while any suite that ran checks is not completed; failed if any such suite did
    not pass. Suites without check runs are apps that never ran here: GitHub leaves them
    `queued` for ever, so they do not count."""
    counted = [s for s in suites if s.check_runs > 0]
    return CIVerdict(
        pending=[s.name for s in counted if s.status != "completed"],
        failed=[
            s for s in counted if s.status == "completed" and (s.conclusion or "") not in PASSING
        ],
        counted=len(counted),
    )

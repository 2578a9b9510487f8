"""The runs that carried an ETL job, and the job status they add up to. Pure: no I/O.

A job is carried by one run and, after a crash or a failed step, by Dagster's automatic retries and by
re-executions started from the UI (same run key, same root run). Sensors report those runs in any
order and sometimes late (a failure sensor that catches up after a restart can report the first run
after its retry succeeded), so each report is kept as an `Attempt` and the status is derived from all
of them: the newest run (by when it was created, not when it was reported) decides, and within one run
the pipeline's verdict for the person beats the run's own status. Attempts hold no exception text: they
are shown to administrators as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

RUN_OUTCOMES = ("running", "succeeded", "partial", "failed")
SCOPES = ("run", "user")
# a job retried more often than this keeps only its newest attempts
MAX_ATTEMPTS_KEPT = 50


@dataclass(frozen=True)
class Attempt:
    """One report about one run that carried the job.

    `scope` is "run" for the run's own status (started, succeeded, failed) and "user" for the
    pipeline's verdict for this person in that run (succeeded, partial, failed). `at` is when the run
    was created; `group` is its root run (a run and all its re-executions share it)."""

    run_id: str
    group: str
    at: datetime
    outcome: str
    scope: str
    error_class: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in RUN_OUTCOMES:
            raise ValueError(f"unknown attempt outcome {self.outcome!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"unknown attempt scope {self.scope!r}")

    def to_json(self, recorded_at: datetime | None = None) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "group": self.group,
            "at": _utc(self.at).isoformat(),
            "outcome": self.outcome,
            "scope": self.scope,
            "error_class": self.error_class,
            "recorded_at": _utc(recorded_at or datetime.now(UTC)).isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attempt:
        return cls(
            run_id=str(data["run_id"]),
            group=str(data.get("group") or data["run_id"]),
            at=datetime.fromisoformat(str(data["at"])),
            outcome=str(data["outcome"]),
            scope=str(data["scope"]),
            error_class=data.get("error_class"),
        )

    def same_report(self, other: Attempt) -> bool:
        """A repeated report (a sensor tick evaluated twice) adds nothing to the history."""
        return (self.run_id, self.outcome, self.scope, self.error_class) == (
            other.run_id,
            other.outcome,
            other.scope,
            other.error_class,
        )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def deciding_attempt(attempts: Sequence[Attempt]) -> Attempt | None:
    """The attempt whose outcome is the job's status, or None when no run carried the job yet.

    The newest run decides (ties: the one reported last). Within it, the person's verdict wins over
    the run's own status; a run that succeeded without giving a verdict for this person (a retry from
    failure that did not redo their step) leaves the latest earlier verdict standing."""
    if not attempts:
        return None
    order = {a.run_id: (_utc(a.at), i) for i, a in enumerate(attempts)}
    newest = max(order, key=lambda run_id: order[run_id])
    of_newest = [a for a in attempts if a.run_id == newest]
    verdicts = [a for a in of_newest if a.scope == "user"]
    if verdicts:
        return verdicts[-1]
    finals = [a for a in of_newest if a.outcome != "running"]
    if not finals:
        return of_newest[-1]
    final = finals[-1]
    if final.outcome == "succeeded":
        earlier = [a for a in attempts if a.scope == "user" and a.run_id != newest]
        if earlier:
            return max(reversed(earlier), key=lambda a: order[a.run_id])
    return final


def with_attempt(history: Sequence[dict[str, Any]], attempt: Attempt) -> tuple[list[dict[str, Any]], bool]:
    """The stored history with `attempt` added (unless it repeats a report), newest kept; and whether
    it was added."""
    known = [Attempt.from_json(h) for h in history]
    if any(attempt.same_report(k) for k in known):
        return list(history), False
    return [*history, attempt.to_json()][-MAX_ATTEMPTS_KEPT:], True


def attempts_of(history: Sequence[dict[str, Any]]) -> list[Attempt]:
    return [Attempt.from_json(h) for h in history]

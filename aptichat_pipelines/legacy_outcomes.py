"""The per-user rules of the legacy stage, decided in one place and without I/O.

Given what the legacy queries returned for each user of a run, say which users have results, why each
of the others has none (in words and an error class the API and the UI show), and whether a failure
is the step's rather than one user's: an error that hit every user and is not about their data (the
database unreachable after the query retries, a wrong URL, a missing table) fails the step, retried by
its policy when the cause is transient. The same function serves Dagster and the plain loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aptichat_pipelines.legacy.models import LegacyTestResults
from aptichat_pipelines.legacy.retry import LegacyQueryError, NoCompletedSessionError, is_transient
from aptichat_pipelines.stages import LegacyStageResult

Fetched = Mapping[str, LegacyTestResults | LegacyQueryError | None]


@dataclass(frozen=True)
class LegacyOutcomes:
    """Each user's stage result, and the error that fails the whole step (None when users decide)."""

    results: dict[str, LegacyStageResult]
    step_error: LegacyQueryError | None = None

    @property
    def retryable(self) -> bool:
        """Whether running the step again may succeed (the step error's cause is transient)."""
        error = self.step_error
        return error is not None and error.cause is not None and is_transient(error.cause)

    def checked(self) -> dict[str, LegacyStageResult]:
        """The per-user results, or the step error raised."""
        if self.step_error is not None:
            raise self.step_error
        return self.results


def _one(user_id: str, value: LegacyTestResults | LegacyQueryError | None) -> LegacyStageResult:
    if isinstance(value, NoCompletedSessionError):
        return LegacyStageResult(
            user_id=user_id, error="no completed test session was found", error_class="no_completed_session"
        )
    if isinstance(value, LegacyQueryError):
        return LegacyStageResult(user_id=user_id, error=str(value), error_class="legacy_query_failed")
    if value is None:
        return LegacyStageResult(user_id=user_id, error="no results returned", error_class="legacy_query_failed")
    if not value.quality.is_valid:
        reasons = "; ".join(value.quality.reasons) or "answers failed the quality checks"
        return LegacyStageResult(
            user_id=user_id, error=f"no valid test session: {reasons}", error_class="invalid_session"
        )
    return LegacyStageResult(user_id=user_id, results=value)


def decide_legacy_outcomes(user_ids: Sequence[str], fetched: Fetched) -> LegacyOutcomes:
    """Each user's results from their latest valid session or the reason there are none; one user's bad
    data never stops the others."""
    results = {user_id: _one(user_id, fetched.get(user_id)) for user_id in user_ids}
    transient = [
        value
        for user_id in user_ids
        if isinstance(value := fetched.get(user_id), LegacyQueryError)
        and not isinstance(value, NoCompletedSessionError)
        and value.cause is not None
        and is_transient(value.cause)
    ]
    if transient and len(transient) == len(user_ids):
        return LegacyOutcomes(results, step_error=transient[0])
    failed = [fetched.get(u) for u in user_ids if results[u].error_class == "legacy_query_failed"]
    if user_ids and len(failed) == len(user_ids) and isinstance(failed[0], LegacyQueryError):
        # every user failed for a reason that is not their data (a wrong URL, a missing table)
        return LegacyOutcomes(results, step_error=failed[0])
    return LegacyOutcomes(results)

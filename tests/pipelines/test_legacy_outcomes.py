"""The legacy stage's per-user rules (aptichat_pipelines/legacy_outcomes.py): pure, on real results."""

from __future__ import annotations

from typing import Any

import psycopg

from aptichat_pipelines.legacy.retry import LegacyQueryError, NoCompletedSessionError
from aptichat_pipelines.legacy_outcomes import decide_legacy_outcomes


def transient(user: str) -> LegacyQueryError:
    return LegacyQueryError("results_for_user", user, psycopg.OperationalError("connection refused"), attempts=4)


def permanent(user: str) -> LegacyQueryError:
    return LegacyQueryError("results_for_user", user, psycopg.errors.UndefinedTable("relation does not exist"))


def no_session(user: str) -> NoCompletedSessionError:
    return NoCompletedSessionError("results_for_user", user, LookupError("no completed session"))


def test_each_user_gets_results_or_the_reason_and_nobody_stops_the_others(
    legacy_results: dict[str, Any], valid_users: list[str]
) -> None:
    good = legacy_results[valid_users[0]]
    invalid = good.model_copy(update={"quality": good.quality.model_copy(update={"is_valid": False, "reasons": []})})
    fetched = {"ok": good, "invalid": invalid, "none": no_session("none"), "broken": permanent("broken"), "gone": None}
    outcomes = decide_legacy_outcomes(list(fetched), fetched)
    assert outcomes.step_error is None and not outcomes.retryable
    assert outcomes.checked() == outcomes.results
    assert outcomes.results["ok"].results == good and outcomes.results["ok"].error is None
    classes = {u: r.error_class for u, r in outcomes.results.items()}
    assert classes == {
        "ok": None,
        "invalid": "invalid_session",
        "none": "no_completed_session",
        "broken": "legacy_query_failed",
        "gone": "legacy_query_failed",
    }
    assert outcomes.results["invalid"].error == "no valid test session: answers failed the quality checks"
    assert outcomes.results["none"].error == "no completed test session was found"
    assert outcomes.results["gone"].error == "no results returned"


def test_a_transient_error_that_hit_everyone_fails_the_step_and_is_retried() -> None:
    fetched = {u: transient(u) for u in ("a", "b")}
    outcomes = decide_legacy_outcomes(["a", "b"], fetched)
    assert outcomes.step_error is fetched["a"] and outcomes.retryable
    try:
        outcomes.checked()
    except LegacyQueryError as exc:
        assert exc is fetched["a"]
    else:
        raise AssertionError("checked() should raise the step error")


def test_a_permanent_error_that_hit_everyone_fails_the_step_without_retry() -> None:
    fetched: dict[str, Any] = {"a": permanent("a"), "b": transient("b")}
    outcomes = decide_legacy_outcomes(["a", "b"], fetched)
    assert outcomes.step_error is fetched["a"] and not outcomes.retryable


def test_users_without_a_session_are_their_own_business_not_the_steps() -> None:
    fetched = {u: no_session(u) for u in ("a", "b")}
    outcomes = decide_legacy_outcomes(["a", "b"], fetched)
    assert outcomes.step_error is None
    assert {r.error_class for r in outcomes.results.values()} == {"no_completed_session"}


def test_a_failure_shared_with_a_user_who_has_results_stays_per_user(
    legacy_results: dict[str, Any], valid_users: list[str]
) -> None:
    fetched = {"ok": legacy_results[valid_users[0]], "a": transient("a")}
    outcomes = decide_legacy_outcomes(["ok", "a"], fetched)
    assert outcomes.step_error is None
    assert outcomes.results["a"].error_class == "legacy_query_failed"

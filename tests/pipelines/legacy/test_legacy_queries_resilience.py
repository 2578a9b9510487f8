"""The sensor cursor (ties in timestamps), the retry policy against real failures, row validation."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from legacy_support import add_session, url_of
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from aptichat_pipelines.legacy.models import SessionCursor, SessionRow
from aptichat_pipelines.legacy.queries import AptitudeTestQueries
from aptichat_pipelines.legacy.retry import LegacyQueryError, RetryPolicy, is_transient
from aptichat_pipelines.legacy_sim.instruments import own_instruments

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05)
TIE = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)  # later than anything else in the contract database


def test_cursor_never_skips_or_repeats_sessions_sharing_a_timestamp(queries: Any, contract_engine: Engine) -> None:
    for sid in ("tie-b", "tie-a", "tie-c"):
        add_session(contract_engine, "tie-user", sid, {}, instruments=["interests-v1"], completed_at=TIE)
    add_session(
        contract_engine, "tie-user", "tie-later", {}, instruments=["interests-v1"], completed_at=TIE.replace(minute=1)
    )
    add_session(contract_engine, "tie-user", "tie-open", {}, instruments=["interests-v1"], status="in_progress")
    cursor = SessionCursor(completed_at=TIE.replace(second=0, minute=0, hour=11), session_id="")
    seen: list[str] = []
    while page := queries.completed_sessions_after(cursor, limit=1):
        seen += [s.session_id for s in page]
        cursor = SessionCursor.decode(page[-1].cursor.encode())  # round-trips through Dagster's string cursor
    assert seen == ["tie-a", "tie-b", "tie-c", "tie-later"]
    assert queries.completed_sessions_after(cursor, 10) == []


def test_first_page_starts_from_the_beginning(queries: Any, contract_engine: Engine) -> None:
    for n in range(3):
        add_session(contract_engine, "first-page", f"first-page-{n}", {}, instruments=["interests-v1"])
    page = queries.completed_sessions_after(None, limit=3)
    assert len(page) == 3 and all(isinstance(s, SessionRow) for s in page)
    assert [(s.completed_at, s.session_id) for s in page] == sorted((s.completed_at, s.session_id) for s in page)


def test_a_dropped_connection_is_retried(contract_engine: Engine) -> None:
    """The pooled connection is killed with pg_terminate_backend: the first attempt fails for real
    (no pre-ping hides it), the retry opens a new connection and succeeds."""

    async def scenario() -> tuple[int, int]:
        q = AptitudeTestQueries(url_of(contract_engine), pool_size=1, pool_pre_ping=False, retry=FAST_RETRY)
        pid = (await q.fetch("pid", "SELECT pg_backend_pid() AS pid", {}))[0]["pid"]
        with contract_engine.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        rows = await q.fetch("after_kill", "SELECT pg_backend_pid() AS pid", {}, user_id="u-retry")
        await q.dispose()
        assert rows[0]["pid"] != pid
        return q.attempts["after_kill"], pid

    attempts, _ = asyncio.run(scenario())
    assert attempts == 2


@pytest.mark.parametrize(
    ("sql", "state"),
    [("SELEC 1", "42601"), ("SELECT no_such_column FROM test_sessions", "42703")],
)
def test_programming_errors_are_not_retried(contract_engine: Engine, sql: str, state: str) -> None:
    async def scenario() -> LegacyQueryError:
        q = AptitudeTestQueries(url_of(contract_engine), pool_size=1, retry=FAST_RETRY)
        try:
            await q.fetch("broken_query", sql, {}, user_id="u-42")
        except LegacyQueryError as error:
            return error
        finally:
            await q.dispose()
        raise AssertionError("no error")

    error = asyncio.run(scenario())
    assert error.attempts == 1 and error.query == "broken_query" and error.user_id == "u-42"
    assert "broken_query" in str(error) and "u-42" in str(error)
    assert getattr(error.cause.orig, "sqlstate", None) == state  # type: ignore[attr-defined]


def test_connection_refused_is_retried_then_reported(contract_engine: Engine) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = make_url(url_of(contract_engine)).set(host="127.0.0.1", port=port, query={})
    q = AptitudeTestQueries(url.render_as_string(hide_password=False), retry=FAST_RETRY)
    with q.sync() as sync, pytest.raises(LegacyQueryError) as caught:
        sync.results_for_user("u-unreachable")
    assert caught.value.attempts == FAST_RETRY.max_attempts and caught.value.user_id == "u-unreachable"


def test_transient_classification() -> None:
    assert is_transient(psycopg.errors.SerializationFailure())
    assert is_transient(psycopg.errors.DeadlockDetected())
    assert is_transient(psycopg.errors.AdminShutdown())
    assert is_transient(psycopg.errors.QueryCanceled())  # statement timeout
    assert is_transient(psycopg.OperationalError("connection refused"))
    assert is_transient(TimeoutError())
    assert not is_transient(psycopg.errors.SyntaxError())
    assert not is_transient(psycopg.errors.UndefinedColumn())
    assert not is_transient(psycopg.errors.UniqueViolation())
    assert not is_transient(ValueError())


def test_backoff_grows_and_is_bounded() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay_s=0.1, max_delay_s=0.5)
    delays = [policy.delay(n) for n in range(1, 7)]
    caps = [0.1, 0.2, 0.4, 0.5, 0.5, 0.5]
    assert all(cap / 2 <= d <= cap for d, cap in zip(delays, caps, strict=True))


def test_a_bad_catalog_row_fails_validation_naming_query_and_user(queries: Any, contract_engine: Engine) -> None:
    add_session(
        contract_engine,
        "u-validate",
        "u-validate-s1",
        {i.id: 5 if i.scale == "R" else 1 for i in own_instruments()[1].items},  # so the bad job ranks first
        instruments=["interests-v1"],
    )
    with contract_engine.begin() as conn:  # the contract says 0..1; the real product's data may not obey
        conn.execute(
            text(
                "INSERT INTO jobs (code, title, riasec_r, riasec_i, riasec_a, riasec_s, riasec_e, riasec_c) "
                "VALUES ('zz-bad', 'Bad row', 7, 0, 0, 0, 0, 0)"
            )
        )
    try:
        with pytest.raises(LegacyQueryError, match=r"'job_matches' failed for user 'u-validate'") as caught:
            queries.results_for_user("u-validate")
        assert "0..1" in str(caught.value.cause)
    finally:
        with contract_engine.begin() as conn:
            conn.execute(text("DELETE FROM jobs WHERE code = 'zz-bad'"))


def test_results_for_users_runs_many_and_can_return_errors(queries: Any, contract_engine: Engine) -> None:
    add_session(
        contract_engine,
        "u-many-1",
        "u-many-1-s1",
        {i.id: 3 + (i.position % 2) for i in own_instruments()[1].items},
        instruments=["interests-v1"],
    )
    out = queries.results_for_users(["u-many-1", "u-missing"], return_exceptions=True)
    assert out["u-many-1"].holland_code is not None
    assert isinstance(out["u-missing"], LegacyQueryError)
    with pytest.raises(LegacyQueryError, match="u-missing"):
        queries.results_for_users(["u-many-1", "u-missing"])

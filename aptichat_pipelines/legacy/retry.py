"""Which database errors are worth retrying; the backoff between attempts is the shared `RetryPolicy`.

Transient: the connection went away or could not be made (SQLSTATE class 08, admin shutdown
57P01..57P03 as from pg_terminate_backend, too many connections 53300), a timeout (57014
statement timeout, pool timeouts, asyncio timeouts) and serialization failures/deadlocks
(40001, 40P01). Everything else, above all programming errors (42601 syntax, 42703 undefined
column) and data errors, fails on the first attempt: running it again gives the same answer.
"""

from __future__ import annotations

import asyncio

import psycopg
from sqlalchemy import exc as sa_exc

from aptichat.retry import RetryPolicy

__all__ = [
    "TRANSIENT_SQLSTATES",
    "LegacyQueryError",
    "NoCompletedSessionError",
    "RetryPolicy",
    "is_transient",
    "sqlstate_of",
]

TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03", "57014", "53300"})


class LegacyQueryError(RuntimeError):
    """A legacy query failed (after retries when the cause was transient) or returned bad rows."""

    def __init__(
        self,
        query: str,
        user_id: str | None,
        cause: BaseException,
        *,
        attempts: int = 1,
        session_id: str | None = None,
    ) -> None:
        self.query = query
        self.user_id = user_id
        self.session_id = session_id
        self.cause = cause
        self.attempts = attempts
        who = f"user {user_id!r}" if user_id is not None else "no user"
        if session_id is not None:
            who += f", session {session_id!r}"
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(
            f"legacy query {query!r} failed for {who} after {attempts} attempt(s): {type(cause).__name__}: {first_line}"
        )


class NoCompletedSessionError(LegacyQueryError):
    """The user has no completed test session to build results from."""


def sqlstate_of(error: BaseException) -> str | None:
    """The SQLSTATE of a driver error, unwrapping SQLAlchemy's wrapper."""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    return getattr(orig, "sqlstate", None)


def is_transient(error: BaseException) -> bool:
    """Whether running the same statement again may succeed."""
    if isinstance(error, TimeoutError | asyncio.TimeoutError | ConnectionError | sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    state = sqlstate_of(error)
    if state is not None:
        return state in TRANSIENT_SQLSTATES or state.startswith("08")
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    # psycopg reports refused, reset and closed connections as OperationalError without a SQLSTATE.
    return isinstance(orig, psycopg.OperationalError)

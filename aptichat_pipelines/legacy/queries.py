"""`AptitudeTestQueries`: everything AptiChat reads from the legacy aptitude-test database.

The SQL itself lives beside this module (sql_sessions, sql_scoring, sql_quality, sql_matching) and
is the contract with the product's team (docs/legacy-contract.md). This class runs it on an async
SQLAlchemy engine (psycopg), retries transient failures with bounded backoff, validates every row
into the Pydantic models, and gathers one user's queries concurrently. Dagster code uses the
synchronous facade `SyncAptitudeTestQueries` (see `AptitudeTestQueries.sync()`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from aptichat.db.server import legacy_url
from aptichat.logs import hash_user
from aptichat.settings import Settings, get_settings
from aptichat_pipelines.legacy import sql_matching, sql_quality, sql_scoring, sql_sessions
from aptichat_pipelines.legacy.models import (
    CatalogJob,
    CatalogMajor,
    InterestResult,
    JobMatch,
    LegacyTestResults,
    MajorMatch,
    QualityIndicators,
    SessionCursor,
    SessionRow,
    SkillResult,
    TakerRow,
    TendencyResult,
)
from aptichat_pipelines.legacy.retry import LegacyQueryError, NoCompletedSessionError, RetryPolicy, is_transient

if TYPE_CHECKING:
    from aptichat_pipelines.legacy.sync import SyncAptitudeTestQueries

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
TOP_MATCHES = 10
TOP_TENDENCIES = 2


class AptitudeTestQueries:
    """Async access to the legacy database. One instance per process; it owns a connection pool."""

    def __init__(
        self,
        url: str | None = None,
        *,
        settings: Settings | None = None,
        pool_size: int = 5,
        retry: RetryPolicy | None = None,
        statement_timeout_ms: int = 30_000,
        pool_pre_ping: bool = True,
        seed: int | None = None,
    ) -> None:
        self.url = url or legacy_url(settings or get_settings())
        self.pool_size = pool_size
        self.retry = retry or RetryPolicy()
        self.statement_timeout_ms = statement_timeout_ms
        self.pool_pre_ping = pool_pre_ping
        self.attempts: dict[str, int] = {}  # query name -> attempts of its last run (for tests/metrics)
        self._rng = random.Random(seed)
        self._engine: AsyncEngine | None = None

    @property
    def engine(self) -> AsyncEngine:
        # Created lazily: an async engine belongs to the event loop that first uses it.
        if self._engine is None:
            self._engine = create_async_engine(
                self.url,
                pool_size=self.pool_size,
                max_overflow=self.pool_size,
                pool_pre_ping=self.pool_pre_ping,
                connect_args={"options": f"-c statement_timeout={self.statement_timeout_ms}"},
            )
        return self._engine

    async def dispose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    def sync(self) -> SyncAptitudeTestQueries:
        """A blocking facade running this instance on its own event-loop thread."""
        from aptichat_pipelines.legacy.sync import SyncAptitudeTestQueries

        return SyncAptitudeTestQueries(self)

    # -- execution ---------------------------------------------------------------------------

    async def fetch(
        self,
        query: str,
        sql: str,
        params: Mapping[str, Any],
        *,
        user_id: str | None = None,
        session_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Run `sql`, retrying transient failures; any failure raises LegacyQueryError."""

        def log_retry(error: BaseException, attempt: int, delay: float) -> None:
            # inside a run this logger's records go to Dagster's event log: the user only as the log hash
            log.warning(
                "legacy query %s (user %s) attempt %d failed, retrying in %.2fs: %s",
                query,
                hash_user(user_id) if user_id else None,
                attempt,
                delay,
                # the first line: SQLAlchemy's later lines list the statement's parameters (the ids)
                (str(error).strip().splitlines() or [type(error).__name__])[0],
            )

        try:
            async for attempt in self.retry.async_retrying(is_transient, rng=self._rng, on_retry=log_retry):
                with attempt:
                    self.attempts[query] = attempt.retry_state.attempt_number
                    async with self.engine.connect() as conn:
                        result = await conn.execute(text(sql), dict(params))
                        return [dict(row) for row in result.mappings().all()]
        except Exception as error:
            attempts = self.attempts[query]
            raise LegacyQueryError(query, user_id, error, attempts=attempts, session_id=session_id) from error
        raise AssertionError("unreachable: the retry loop returns or raises")

    async def fetch_models(
        self,
        query: str,
        sql: str,
        params: Mapping[str, Any],
        model: type[M],
        *,
        user_id: str | None = None,
        session_id: str | None = None,
    ) -> list[M]:
        """`fetch` and validate every row into `model`; a bad row raises LegacyQueryError."""
        rows = await self.fetch(query, sql, params, user_id=user_id, session_id=session_id)
        try:
            return [model.model_validate(row) for row in rows]
        except ValidationError as error:
            raise LegacyQueryError(
                query, user_id, error, attempts=self.attempts.get(query, 1), session_id=session_id
            ) from error

    # -- sessions ----------------------------------------------------------------------------

    async def session(self, session_id: str, *, user_id: str | None = None) -> SessionRow | None:
        rows = await self.fetch_models(
            "session",
            sql_sessions.SESSION,
            {"session_id": session_id},
            SessionRow,
            user_id=user_id,
            session_id=session_id,
        )
        return rows[0] if rows else None

    async def completed_sessions_after(self, cursor: SessionCursor | None, limit: int = 100) -> list[SessionRow]:
        """Completed sessions strictly after `cursor` in (completed_at, session_id) order."""
        if cursor is None:
            return await self.fetch_models(
                "completed_sessions_after", sql_sessions.COMPLETED_FROM_START, {"limit": limit}, SessionRow
            )
        params = {"after_ts": cursor.completed_at, "after_id": cursor.session_id, "limit": limit}
        return await self.fetch_models("completed_sessions_after", sql_sessions.COMPLETED_AFTER, params, SessionRow)

    async def latest_valid_session(self, user_id: str) -> SessionRow | None:
        """The user's newest completed session that passes every quality check."""
        rows = await self.fetch(
            "latest_valid_session",
            sql_quality.LATEST_VALID_SESSION,
            {"user_id": user_id, **sql_quality.THRESHOLDS},
            user_id=user_id,
        )
        return await self.session(rows[0]["session_id"], user_id=user_id) if rows else None

    async def latest_completed_session(self, user_id: str) -> SessionRow | None:
        rows = await self.fetch_models(
            "latest_completed_session",
            sql_sessions.LATEST_COMPLETED_SESSION,
            {"user_id": user_id},
            SessionRow,
            user_id=user_id,
        )
        return rows[0] if rows else None

    async def user_sessions(self, user_id: str) -> list[SessionRow]:
        return await self.fetch_models(
            "user_sessions", sql_sessions.USER_SESSIONS, {"user_id": user_id}, SessionRow, user_id=user_id
        )

    async def taker(self, user_id: str) -> TakerRow | None:
        rows = await self.fetch_models("taker", sql_sessions.TAKER, {"user_id": user_id}, TakerRow, user_id=user_id)
        return rows[0] if rows else None

    # -- scores (lists of results; the bundle turns "not measured" into None) -----------------

    async def tendencies(self, session_id: str, *, user_id: str | None = None) -> list[TendencyResult]:
        return await self._per_session("tendencies", sql_scoring.TENDENCIES, TendencyResult, session_id, user_id)

    async def interests(self, session_id: str, *, user_id: str | None = None) -> list[InterestResult]:
        return await self._per_session("interests", sql_scoring.INTERESTS, InterestResult, session_id, user_id)

    async def holland_code(self, session_id: str, *, user_id: str | None = None) -> str | None:
        """Top three interest letters; ties broken in R, I, A, S, E, C order."""
        ranked = sorted(await self.interests(session_id, user_id=user_id), key=lambda r: r.rank)
        return "".join(r.letter for r in ranked[:3]) or None

    async def skills(self, session_id: str, *, user_id: str | None = None) -> list[SkillResult]:
        return await self._per_session("skills", sql_scoring.SKILLS, SkillResult, session_id, user_id)

    async def quality(self, session_id: str, *, user_id: str | None = None) -> QualityIndicators:
        rows = await self._per_session(
            "quality", sql_quality.QUALITY, QualityIndicators, session_id, user_id, sql_quality.THRESHOLDS
        )
        if not rows:
            raise LegacyQueryError("quality", user_id, LookupError("no such session"), session_id=session_id)
        return rows[0]

    async def session_quality(self, session_ids: Sequence[str]) -> dict[str, QualityIndicators]:
        """Quality of many sessions in one statement (what the sensor checks before it runs users)."""
        if not session_ids:
            return {}
        rows = await self.fetch_models(
            "session_quality",
            sql_quality.QUALITY,
            {"session_ids": list(session_ids), **sql_quality.THRESHOLDS},
            QualityIndicators,
        )
        return {row.session_id: row for row in rows}

    async def job_matches(
        self, session_id: str, *, user_id: str | None = None, top_n: int = TOP_MATCHES
    ) -> list[JobMatch]:
        params = {**sql_matching.MATCH_PARAMS, "top_n": top_n}
        return await self._per_session("job_matches", sql_matching.JOB_MATCHES, JobMatch, session_id, user_id, params)

    async def major_matches(
        self, session_id: str, *, user_id: str | None = None, top_n: int = TOP_MATCHES
    ) -> list[MajorMatch]:
        params = {**sql_matching.MATCH_PARAMS, "top_n": top_n}
        return await self._per_session(
            "major_matches", sql_matching.MAJOR_MATCHES, MajorMatch, session_id, user_id, params
        )

    async def _per_session(
        self,
        query: str,
        sql: str,
        model: type[M],
        session_id: str,
        user_id: str | None,
        extra: Mapping[str, Any] | None = None,
    ) -> list[M]:
        params = {"session_ids": [session_id], **(extra or {})}
        return await self.fetch_models(query, sql, params, model, user_id=user_id, session_id=session_id)

    # -- catalog -----------------------------------------------------------------------------

    async def catalog_jobs(self) -> list[CatalogJob]:
        return await self.fetch_models("catalog_jobs", sql_sessions.CATALOG_JOBS, {}, CatalogJob)

    async def catalog_majors(self) -> list[CatalogMajor]:
        return await self.fetch_models("catalog_majors", sql_sessions.CATALOG_MAJORS, {}, CatalogMajor)

    # -- the bundle --------------------------------------------------------------------------

    async def results_for_user(
        self, user_id: str, session_id: str | None = None, *, top_n: int = TOP_MATCHES
    ) -> LegacyTestResults:
        """One user's results from `session_id`, else their latest valid session, else their
        latest completed one (its `quality` then says why it is not valid)."""
        if session_id is not None:
            session = await self.session(session_id, user_id=user_id)
            if session is not None and session.user_id != user_id:
                raise LegacyQueryError("session", user_id, LookupError(f"session belongs to {session.user_id}"))
        else:
            session = await self.latest_valid_session(user_id) or await self.latest_completed_session(user_id)
        if session is None or session.completed_at is None:
            raise NoCompletedSessionError(
                "results_for_user", user_id, LookupError("no completed session"), session_id=session_id
            )
        sid = session.session_id
        # Independent queries, run concurrently on the pool; the first failure propagates as is.
        out = await asyncio.gather(
            self.tendencies(sid, user_id=user_id) if "tendencies" in session.domains else _none(),
            self.interests(sid, user_id=user_id) if "interests" in session.domains else _none(),
            self.skills(sid, user_id=user_id) if "skills" in session.domains else _none(),
            self.quality(sid, user_id=user_id),
            self.job_matches(sid, user_id=user_id, top_n=top_n),
            self.major_matches(sid, user_id=user_id, top_n=top_n),
            self.taker(user_id),
        )
        parts = (
            cast(list[TendencyResult] | None, out[0]),
            cast(list[InterestResult] | None, out[1]),
            cast(list[SkillResult] | None, out[2]),
            cast(QualityIndicators, out[3]),
            cast(list[JobMatch], out[4]),
            cast(list[MajorMatch], out[5]),
            cast(TakerRow | None, out[6]),
        )
        try:
            return build_results(session, *parts)
        except ValidationError as error:
            raise LegacyQueryError("results_for_user", user_id, error, session_id=sid) from error

    async def results_for_users(
        self, user_ids: Iterable[str], *, concurrency: int | None = None, return_exceptions: bool = False
    ) -> dict[str, LegacyTestResults | LegacyQueryError]:
        """Results of many users, at most `concurrency` (default: the pool size) at a time.

        With return_exceptions the failures come back in the dict instead of the first one raising.
        """
        gate = asyncio.Semaphore(concurrency or self.pool_size)

        async def one(user_id: str) -> LegacyTestResults:
            async with gate:
                return await self.results_for_user(user_id)

        ids = list(dict.fromkeys(user_ids))
        outcomes = await asyncio.gather(*(one(u) for u in ids), return_exceptions=return_exceptions)
        result: dict[str, LegacyTestResults | LegacyQueryError] = {}
        for user_id, outcome in zip(ids, outcomes, strict=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, LegacyQueryError):
                raise outcome
            result[user_id] = outcome
        return result


async def _none() -> None:
    return None


def build_results(
    session: SessionRow,
    tendencies: Sequence[TendencyResult] | None,
    interests: Sequence[InterestResult] | None,
    skills: Sequence[SkillResult] | None,
    quality: QualityIndicators,
    jobs: Sequence[JobMatch],
    majors: Sequence[MajorMatch],
    taker: TakerRow | None,
) -> LegacyTestResults:
    """Assemble the bundle. A domain the session did not present, or presented without a single
    usable answer, stays None."""
    tendencies, interests, skills = tendencies or None, interests or None, skills or None
    top = bottom = holland = None
    if tendencies is not None:
        top = [t.scale for t in sorted(tendencies, key=lambda t: t.rank_high)[:TOP_TENDENCIES]]
        bottom = [t.scale for t in sorted(tendencies, key=lambda t: t.rank_low)[:TOP_TENDENCIES]]
    if interests is not None:
        holland = "".join(i.letter for i in sorted(interests, key=lambda i: i.rank)[:3])
    assert session.completed_at is not None
    return LegacyTestResults(
        user_id=session.user_id,
        session_id=session.session_id,
        completed_at=session.completed_at,
        tendencies=list(tendencies) if tendencies is not None else None,
        top_tendencies=top,
        bottom_tendencies=bottom,
        interests=list(interests) if interests is not None else None,
        holland_code=holland,
        skills=list(skills) if skills is not None else None,
        quality=quality,
        job_matches=list(jobs),
        major_matches=list(majors),
        background=dict(taker.background) if taker else {},
    )

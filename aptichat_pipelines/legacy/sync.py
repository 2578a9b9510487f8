"""A blocking facade over `AptitudeTestQueries` for Dagster ops and the CLI.

The async engine belongs to one event loop, so the facade runs a private loop on a daemon thread
and submits every call to it: the pool survives between calls, and callers may be on any thread
(Dagster runs ops on threads) or even inside another running loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from aptichat_pipelines.legacy.models import (
    CatalogJob,
    CatalogMajor,
    LegacyTestResults,
    QualityIndicators,
    SessionCursor,
    SessionRow,
)
from aptichat_pipelines.legacy.queries import AptitudeTestQueries
from aptichat_pipelines.legacy.retry import LegacyQueryError

T = TypeVar("T")


class SyncAptitudeTestQueries:
    """The same queries as `AptitudeTestQueries`, blocking. Call `close()` when done."""

    def __init__(self, queries: AptitudeTestQueries | None = None) -> None:
        self.queries = queries or AptitudeTestQueries()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="legacy-queries", daemon=True)
        self._thread.start()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        if self._loop.is_running():
            self._run(self.queries.dispose())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> SyncAptitudeTestQueries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def completed_sessions_after(self, cursor: SessionCursor | None, limit: int = 100) -> list[SessionRow]:
        return self._run(self.queries.completed_sessions_after(cursor, limit))

    def latest_valid_session(self, user_id: str) -> SessionRow | None:
        return self._run(self.queries.latest_valid_session(user_id))

    def session(self, session_id: str) -> SessionRow | None:
        return self._run(self.queries.session(session_id))

    def quality(self, session_id: str) -> QualityIndicators:
        return self._run(self.queries.quality(session_id))

    def session_quality(self, session_ids: list[str]) -> dict[str, QualityIndicators]:
        return self._run(self.queries.session_quality(session_ids))

    def results_for_user(self, user_id: str, session_id: str | None = None) -> LegacyTestResults:
        return self._run(self.queries.results_for_user(user_id, session_id))

    def results_for_users(
        self, user_ids: Iterable[str], *, return_exceptions: bool = False
    ) -> dict[str, LegacyTestResults | LegacyQueryError]:
        return self._run(self.queries.results_for_users(user_ids, return_exceptions=return_exceptions))

    def catalog_jobs(self) -> list[CatalogJob]:
        return self._run(self.queries.catalog_jobs())

    def catalog_majors(self) -> list[CatalogMajor]:
        return self._run(self.queries.catalog_majors())

"""Resources: every external connection the pipeline uses, so tests swap configuration, not code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagster import ConfigurableResource
from sqlalchemy import Engine

from aptichat.db.engine import engine_for
from aptichat.db.server import app_url, legacy_url
from aptichat.settings import get_settings

if TYPE_CHECKING:
    from aptichat.embeddings import Embedder
    from aptichat_pipelines.legacy.models import CatalogJob, CatalogMajor, QualityIndicators, SessionCursor, SessionRow
    from aptichat_pipelines.legacy.sync import SyncAptitudeTestQueries
    from aptichat_pipelines.stages import LegacyStageResult


class AppDatabase(ConfigurableResource):
    """The app database (chat_ tables). Empty url: from settings (embedded by default)."""

    url: str | None = None

    def engine(self) -> Engine:
        settings = get_settings()
        return engine_for(self.url or app_url(settings), settings.db_pool_size)


class LegacyDatabase(ConfigurableResource):
    """The legacy aptitude-test database, reached only through AptitudeTestQueries."""

    url: str | None = None

    def engine(self) -> Engine:
        settings = get_settings()
        return engine_for(self.url or legacy_url(settings), settings.db_pool_size)

    def queries(self) -> SyncAptitudeTestQueries:
        """Blocking AptitudeTestQueries on their own event loop; use as a context manager."""
        from aptichat_pipelines.legacy.queries import AptitudeTestQueries
        from aptichat_pipelines.legacy.sync import SyncAptitudeTestQueries

        return SyncAptitudeTestQueries(AptitudeTestQueries(self.url or legacy_url(get_settings())))

    def fetch_results(self, user_ids: list[str]) -> dict[str, LegacyStageResult]:
        """Each user's results from their latest valid session, or the reason there are none.

        One user's bad data does not stop the others; an error that hit every user and is not about
        their data (the database unreachable after the query retries) is raised, so the step retries.
        """
        from aptichat_pipelines.legacy.retry import LegacyQueryError, NoCompletedSessionError, is_transient
        from aptichat_pipelines.stages import LegacyStageResult

        with self.queries() as q:
            fetched = q.results_for_users(user_ids, return_exceptions=True)
        out: dict[str, LegacyStageResult] = {}
        transient: list[BaseException] = []
        for user_id in user_ids:
            value = fetched.get(user_id)
            if isinstance(value, NoCompletedSessionError):
                out[user_id] = LegacyStageResult(
                    user_id=user_id, error="no completed test session was found", error_class="no_completed_session"
                )
            elif isinstance(value, LegacyQueryError):
                if value.cause is not None and is_transient(value.cause):
                    transient.append(value)
                out[user_id] = LegacyStageResult(user_id=user_id, error=str(value), error_class="legacy_query_failed")
            elif value is None:
                out[user_id] = LegacyStageResult(
                    user_id=user_id, error="no results returned", error_class="legacy_query_failed"
                )
            elif not value.quality.is_valid:
                reasons = "; ".join(value.quality.reasons) or "answers failed the quality checks"
                out[user_id] = LegacyStageResult(
                    user_id=user_id, error=f"no valid test session: {reasons}", error_class="invalid_session"
                )
            else:
                out[user_id] = LegacyStageResult(user_id=user_id, results=value)
        if transient and len(transient) == len(user_ids):
            raise transient[0]
        failed = [fetched.get(u) for u in user_ids if out[u].error_class == "legacy_query_failed"]
        if user_ids and len(failed) == len(user_ids) and isinstance(failed[0], LegacyQueryError):
            # every user failed for a reason that is not their data (a wrong URL, a missing table)
            raise failed[0]
        return out

    def completed_sessions_after(self, cursor: SessionCursor | None, limit: int) -> list[SessionRow]:
        with self.queries() as q:
            return q.completed_sessions_after(cursor, limit)

    def session_quality(self, session_ids: list[str]) -> dict[str, QualityIndicators]:
        if not session_ids:
            return {}
        with self.queries() as q:
            return q.session_quality(session_ids)

    def catalog_jobs(self) -> list[CatalogJob]:
        with self.queries() as q:
            return q.catalog_jobs()

    def catalog_majors(self) -> list[CatalogMajor]:
        with self.queries() as q:
            return q.catalog_majors()


class EmbedderResource(ConfigurableResource):
    """The configured embedder (local MiniLM or Gemini) behind the persistent embedding cache.

    The model loads lazily on first use, once per process, so steps that do not embed never pay for it.
    """

    app_database_url: str | None = None

    def get(self) -> Embedder:
        from aptichat.embeddings import get_embedder

        settings = get_settings()
        engine = engine_for(self.app_database_url or app_url(settings), settings.db_pool_size)
        return get_embedder(settings, engine=engine)

    def describe(self) -> dict[str, Any]:
        settings = get_settings()
        return {"model": settings.embedding_model, "dim": settings.embedding_dim}

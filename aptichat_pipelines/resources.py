"""Resources: every external connection the pipeline uses, so tests swap configuration, not code.

Each setting is a resource field, shown in the Dagster UI and set by tests; an empty field falls back
to the environment (aptichat.settings) when the resource is used, never when this module is imported.
URLs may hold a password: definitions.py wires them as `EnvVar`s when the deployment sets them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr
from sqlalchemy import Engine

from aptichat.db.engine import engine_for
from aptichat.db.server import app_url, legacy_url
from aptichat.settings import get_settings

if TYPE_CHECKING:
    from aptichat.embeddings import Embedder
    from aptichat_pipelines.legacy.models import (
        CatalogJob,
        CatalogMajor,
        LegacyTestResults,
        QualityIndicators,
        SessionCursor,
        SessionRow,
    )
    from aptichat_pipelines.legacy.retry import LegacyQueryError
    from aptichat_pipelines.legacy.sync import SyncAptitudeTestQueries

APP_URL_HELP = (
    "SQLAlchemy URL of the app database (chat_ tables). Empty: APTICHAT_DATABASE_URL, else the embedded server."
)
LEGACY_URL_HELP = (
    "SQLAlchemy URL of the legacy aptitude-test database. "
    "Empty: APTICHAT_LEGACY_DATABASE_URL, else the embedded server."
)
POOL_HELP = "Connections per process. Empty: APTICHAT_DB_POOL_SIZE."


class AppDatabase(ConfigurableResource):
    """The app database (chat_ tables).

    Set up for a run, it also pools the run's Dagster event-log connections (pooled_event_log) and has
    a step's per-person materializations written in one batch (batched_asset_events).
    """

    url: str | None = Field(default=None, description=APP_URL_HELP)
    pool_size: int | None = Field(default=None, ge=1, description=POOL_HELP)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        if context.run is not None and context.instance is not None:
            pooled_event_log(context.instance)
            batched_asset_events()

    def engine(self) -> Engine:
        settings = get_settings()
        return engine_for(self.url or app_url(settings), self.pool_size or settings.db_pool_size)


def pooled_event_log(instance: Any) -> None:
    """Hold one pooled connection for the run's event writes instead of a new connection per event.

    dagster-postgres opens its event log with NullPool: every event (a run of N people writes ~6 per
    person and ~40 more) connects afresh, ~7 ms each on the embedded server, about half of what a
    batched run spends outside its stages (benchmarks/etl.py --profile). Dagster's own
    `optimize_for_webserver` switches the storage to a pool of one; it is applied once per storage
    object (a run worker's instance lives for the run)."""
    storage = getattr(instance, "event_log_storage", None)
    if storage is None or getattr(storage, "_aptichat_pooled", False):
        return
    if type(storage).__module__.startswith("dagster_postgres"):
        storage.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=4)
        storage._aptichat_pooled = True


# More than a run's people (users_per_run): each step's materializations go in one batch
EVENT_BATCH_SIZE = 1000


def batched_asset_events() -> None:
    """Have Dagster write the per-partition materializations of one step's output as one batch.

    A run of N people records N materializations per asset, each its own event-log insert, NOTIFY and
    asset-index transaction (3N events, about half of the run's event writes). Dagster batches them
    when DAGSTER_EVENT_BATCH_SIZE is set (its opt-in; read when each event is stored, so setting it in
    the run's process is enough): one insert of N rows and one index update. Every partition keeps its
    own materialization event, so lineage, partition status and sensors see the same as before."""
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE))


class LegacyDatabase(ConfigurableResource):
    """The legacy aptitude-test database, reached only through AptitudeTestQueries.

    One client (its event loop and connection pool) per run or sensor tick: opened when Dagster sets
    the resource up, closed when it tears it down. Used outside Dagster (a script, a benchmark), each
    call opens and closes its own.
    """

    url: str | None = Field(default=None, description=LEGACY_URL_HELP)
    pool_size: int = Field(default=5, ge=1, description="Connections of the legacy query pool.")
    _client: SyncAptitudeTestQueries | None = PrivateAttr(default=None)

    def engine(self) -> Engine:
        settings = get_settings()
        return engine_for(self.url or legacy_url(settings), settings.db_pool_size)

    def _open(self) -> SyncAptitudeTestQueries:
        from aptichat_pipelines.legacy.queries import AptitudeTestQueries
        from aptichat_pipelines.legacy.sync import SyncAptitudeTestQueries

        url = self.url or legacy_url(get_settings())
        return SyncAptitudeTestQueries(AptitudeTestQueries(url, pool_size=self.pool_size))

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._client = self._open()

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    @contextmanager
    def queries(self) -> Iterator[SyncAptitudeTestQueries]:
        """The blocking AptitudeTestQueries of this run (or of this call, outside Dagster)."""
        if self._client is not None:
            yield self._client
            return
        with self._open() as client:
            yield client

    def fetch_results(self, user_ids: list[str]) -> dict[str, LegacyTestResults | LegacyQueryError]:
        """Each user's results, or the error that stopped them (decided by legacy_outcomes)."""
        with self.queries() as q:
            return q.results_for_users(user_ids, return_exceptions=True)

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

    app_database_url: str | None = Field(default=None, description=f"Where the embedding cache lives. {APP_URL_HELP}")

    def get(self) -> Embedder:
        from aptichat.embeddings import get_embedder

        settings = get_settings()
        engine = engine_for(self.app_database_url or app_url(settings), settings.db_pool_size)
        return get_embedder(settings, engine=engine)

    def describe(self) -> dict[str, Any]:
        settings = get_settings()
        return {"model": settings.embedding_model, "dim": settings.embedding_dim}


class EtlBatching(ConfigurableResource):
    """How the ETL sensors cut work into ticks and runs."""

    max_sessions_per_tick: int | None = Field(
        default=None,
        ge=1,
        description="Completions one tick reads at most (bounded under Dagster's tick timeout). "
        "Empty: APTICHAT_SENSOR_MAX_PER_TICK.",
    )
    users_per_run: int | None = Field(
        default=None, ge=1, description="Users one ETL run processes at most. Empty: APTICHAT_USERS_PER_RUN."
    )

    def sessions_per_tick(self) -> int:
        return self.max_sessions_per_tick or get_settings().sensor_max_per_tick

    def run_size(self) -> int:
        return self.users_per_run or get_settings().users_per_run

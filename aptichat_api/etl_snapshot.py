"""ETL metrics at /metrics, read from the database (aptichat.db.etl_metrics).

The ETL runs in short-lived Dagster processes that nobody scrapes, so the API exports what those
processes leave in chat_etl_jobs and chat_etl_stage_timings. Values are totals over the tables, the
same from every API worker and replica: dashboards take `max` across instances, not `sum`.

One snapshot (three aggregate queries) serves all three metrics and is cached per app for
`ETL_METRICS_CACHE_S` seconds (default 10), failures included: with the database down a scrape
costs one failed connection per interval, renders the rest of /metrics, and counts the failure in
aptichat_etl_metrics_errors_total.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app

from aptichat.db.etl_metrics import STAGE_BUCKETS, EtlSnapshot, etl_snapshot
from aptichat_api import database, metrics

log = logging.getLogger(__name__)
DEFAULT_CACHE_S = 10.0


@dataclass
class _Cached:
    expires: float
    snapshot: EtlSnapshot | None


_lock = threading.Lock()


def current_snapshot() -> EtlSnapshot | None:
    """The app's cached snapshot, refreshed when stale; None while the database cannot answer."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ttl = float(app.config.get("ETL_METRICS_CACHE_S", DEFAULT_CACHE_S))
    with _lock:  # one query per interval per worker, however many scrapes arrive at once
        cached: _Cached | None = app.extensions.get("aptichat_etl_metrics")
        now = time.monotonic()
        if cached is not None and now < cached.expires:
            return cached.snapshot
        try:
            snapshot: EtlSnapshot | None = etl_snapshot(database.engine())
        except Exception as exc:  # /metrics must answer with the database down
            ERRORS.inc()
            log.warning("ETL metrics skipped, database query failed: %s", type(exc).__name__)
            snapshot = None
        app.extensions["aptichat_etl_metrics"] = _Cached(now + ttl, snapshot)
        return snapshot


class _FromSnapshot:
    """A metric family whose samples come from the cached snapshot."""

    def __init__(self, name: str, help_text: str, kind: str, labels: tuple[str, ...]) -> None:
        self.name, self.help, self.kind, self.label_names = name, help_text, kind, labels

    def samples(self) -> Iterable[str]:
        snapshot = current_snapshot()
        return [] if snapshot is None else list(self._samples(snapshot))

    def _samples(self, snapshot: EtlSnapshot) -> Iterable[str]:
        raise NotImplementedError

    def _line(self, suffix: str, values: tuple[str, ...], number: float, extra: str = "") -> str:
        return f"{self.name}{suffix}{metrics._labels(self.label_names, values, extra)} {metrics._number(number)}"


class _Processed(_FromSnapshot):
    def _samples(self, snapshot: EtlSnapshot) -> Iterable[str]:
        for (status, source), count in sorted(snapshot.processed.items()):
            yield self._line("", (status, source), count)


class _Queue(_FromSnapshot):
    def _samples(self, snapshot: EtlSnapshot) -> Iterable[str]:
        for status, count in sorted(snapshot.queue.items()):
            yield self._line("", (status,), count)


class _StageSeconds(_FromSnapshot):
    def _samples(self, snapshot: EtlSnapshot) -> Iterable[str]:
        for stage, hist in sorted(snapshot.stages.items()):
            for bound, count in (*zip(STAGE_BUCKETS, hist.buckets, strict=True), (float("inf"), hist.count)):
                yield self._line("_bucket", (stage,), count, f'le="{metrics._number(bound)}"')
            yield self._line("_sum", (stage,), hist.sum)
            yield self._line("_count", (stage,), hist.count)


PROCESSED = metrics.REGISTRY.register(
    _Processed(
        "aptichat_etl_users_processed_total",
        "Finished ETL jobs (one per user per request) in chat_etl_jobs, by final status and source.",
        "counter",
        ("status", "source"),
    )
)
QUEUE_DEPTH = metrics.REGISTRY.register(
    _Queue(
        "aptichat_etl_queue_depth",
        "ETL jobs in chat_etl_jobs waiting or in progress, by status (requested, queued, running).",
        "gauge",
        ("status",),
    )
)
STAGE_SECONDS = metrics.REGISTRY.register(
    _StageSeconds(
        "aptichat_etl_stage_seconds",
        "Seconds one per-user ETL stage took in one run (chat_etl_stage_timings), by stage.",
        "histogram",
        ("stage",),
    )
)
# registered last: rendered after the families above, so a scrape counts its own failure
ERRORS: metrics.Counter = metrics.REGISTRY.register(
    metrics.Counter(
        "aptichat_etl_metrics_errors_total",
        "Scrapes whose ETL block was skipped because the database query failed.",
    )
)

"""The ETL's totals for /metrics, read from the database (queries in aptichat.db.etl_metrics) and
cached per app; metrics.py renders them as the aptichat_etl_* families.

The ETL runs in short-lived Dagster processes that nobody scrapes, so the API exports what those
processes leave in chat_etl_jobs and chat_etl_stage_timings. Values are totals over the tables, the
same from every API worker and replica: dashboards take `max` across instances, not `sum`.

One snapshot (three aggregate queries) serves all three families and is cached per app for
`ETL_METRICS_CACHE_S` seconds (default 10), failures included: with the database down a scrape
costs one failed connection per interval, renders the rest of /metrics, and counts the failure in
aptichat_etl_metrics_errors_total.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from aptichat.db.etl_metrics import EtlSnapshot, etl_snapshot
from aptichat_api import database

log = logging.getLogger(__name__)
DEFAULT_CACHE_S = 10.0


@dataclass
class _Cached:
    expires: float
    snapshot: EtlSnapshot | None


_lock = threading.Lock()


def current_snapshot(on_failure: Callable[[], None]) -> EtlSnapshot | None:
    """The app's cached snapshot, refreshed when stale; None while the database cannot answer
    (`on_failure` is called once per failed refresh, not per scrape)."""
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
            on_failure()
            log.warning("ETL metrics skipped, database query failed: %s", type(exc).__name__)
            snapshot = None
        app.extensions["aptichat_etl_metrics"] = _Cached(now + ttl, snapshot)
        return snapshot

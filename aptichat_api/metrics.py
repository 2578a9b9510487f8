"""Every metric the API exports at GET /metrics, with prometheus_client.

Under gunicorn (`aptichat api serve`) every worker writes its counters and histograms to files in
PROMETHEUS_MULTIPROC_DIR (one directory per deployment, emptied when the master starts:
aptichat_api/gunicorn_conf.py) and a scrape, whichever worker answers it, sums every worker's files:
one scrape is the whole deployment. Without that variable (flask dev, in-process tests) the values
live in this process's registry.

Some families are read when scraped, not counted: the aptichat_etl_* families from the database
(etl_snapshot.py; the same from every worker and replica: dashboards take `max`), the age of the
newest backup, and the chat engine's cache counters (each worker publishes its own into a `livesum`
gauge after every answer and when it answers a scrape).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from flask import current_app
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from aptichat.db.etl_metrics import STAGE_BUCKETS, EtlSnapshot
from aptichat.settings import get_settings
from aptichat.telemetry import REGISTRY
from aptichat_api.etl_snapshot import current_snapshot

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# seconds: retrieval is tens of milliseconds; generation is seconds with a provider
RETRIEVAL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
GENERATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)


def counter_value(metric: Counter, *label_values: str) -> float:
    """This process's value of a counter (tests compare before/after)."""
    child = metric.labels(*label_values) if label_values else metric
    for family in child.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                return float(sample.value)
    return 0.0


REQUESTS = Counter(
    "aptichat_http_requests",
    "HTTP requests by endpoint, method and status.",
    ("endpoint", "method", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "aptichat_http_request_seconds",
    "HTTP request latency by endpoint.",
    ("endpoint",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
ANSWERS = Counter(
    "aptichat_chat_answers",
    "Chat answers by provider, degraded flag and variant.",
    ("provider", "degraded", "variant"),
    registry=REGISTRY,
)
DEGRADED_ANSWERS = Counter(
    "aptichat_chat_degraded_answers",
    "Chat answers marked degraded, by cause (a retrieval path failed: vector_search_failed, ...; the "
    "provider failed: provider_<error>, answered by the offline composer).",
    ("cause",),
    registry=REGISTRY,
)
RETRIEVAL_SECONDS = Histogram(
    "aptichat_chat_retrieval_seconds",
    "Retrieval time of one question (vector + keyword search and ranking), by intent.",
    ("intent",),
    buckets=RETRIEVAL_BUCKETS,
    registry=REGISTRY,
)
GENERATION_SECONDS = Histogram(
    "aptichat_chat_generation_seconds",
    "Answer generation time (first request to last token, faithfulness check and fallback included), "
    "by intent and provider.",
    ("intent", "provider"),
    buckets=GENERATION_BUCKETS,
    registry=REGISTRY,
)
REJECTED_QUESTIONS = Counter(
    "aptichat_chat_rejected_questions",
    "Questions the chat engine refused, by code.",
    ("code",),
    registry=REGISTRY,
)
RETRIEVAL_DEGRADED = Counter(
    "aptichat_chat_retrieval_degraded",
    "Chat questions answered with part of retrieval missing (a failed search contained in a savepoint), by cause.",
    ("cause",),
    registry=REGISTRY,
)
SAFETY_FLAGS = Counter(
    "aptichat_chat_safety_flags",
    "Messages the safety layer answered with its fixed reply and flagged for staff review, by category.",
    ("category",),
    registry=REGISTRY,
)
RATE_LIMITED = Counter("aptichat_rate_limited", "Requests refused with 429.", registry=REGISTRY)
UNHANDLED_ERRORS = Counter(
    "aptichat_unhandled_errors",
    "Requests that reached the catch-all 500 handler (should stay 0).",
    registry=REGISTRY,
)
FAITHFULNESS = Counter(
    "aptichat_answer_faithfulness",
    "Provider answers checked against their cited sections, by provider and outcome (passed, "
    "passed_after_retry, fell_back to the offline composer).",
    ("provider", "outcome"),
    registry=REGISTRY,
)
FAITHFULNESS_PROBLEMS = Counter(
    "aptichat_answer_faithfulness_problems",
    "Problems the faithfulness check found in provider answers (first answers and regenerations), by kind.",
    ("kind",),
    registry=REGISTRY,
)
ETL_METRICS_ERRORS = Counter(
    "aptichat_etl_metrics_errors",
    "Scrapes whose ETL block was skipped because the database query failed.",
    registry=REGISTRY,
)
CHAT_CACHE = Gauge(
    "aptichat_chat_cache_events",
    "Chat engine cache hits, misses, invalidations (summed over the live workers).",
    ("cache", "event"),
    multiprocess_mode="livesum",
    registry=REGISTRY,
)


def count_faithfulness(provider: str, outcome: str, problems: Iterable[str]) -> None:
    """One checked answer and the kinds of the problems found in it (aptichat.llm.faithfulness)."""
    FAITHFULNESS.labels(provider, outcome).inc()
    for kind in problems:
        FAITHFULNESS_PROBLEMS.labels(kind).inc()


_published: dict[tuple[str, ...], float] = {}  # what this process last set, per label pair


def publish_cache_events(events: dict[tuple[str, ...], float]) -> None:
    """This worker's chat cache counters ((cache, event) -> count) into the shared gauge. Only the
    counts that changed since the last call are set (after each answer, one or two of them)."""
    for (cache, event), count in events.items():
        if _published.get((cache, event)) != count:
            CHAT_CACHE.labels(cache, event).set(count)
            _published[(cache, event)] = count


# --- read when scraped ------------------------------------------------------------------------------
def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _etl_families(snapshot: EtlSnapshot) -> Iterator[Metric]:
    processed = CounterMetricFamily(
        "aptichat_etl_users_processed",
        "Finished ETL jobs (one per user per request) in chat_etl_jobs, by final status and source.",
        labels=("status", "source"),
    )
    for (status, source), count in sorted(snapshot.processed.items()):
        processed.add_metric((status, source), count)
    yield processed
    queue = GaugeMetricFamily(
        "aptichat_etl_queue_depth",
        "ETL jobs in chat_etl_jobs waiting or in progress, by status (requested, queued, running).",
        labels=("status",),
    )
    for status, count in sorted(snapshot.queue.items()):
        queue.add_metric((status,), count)
    yield queue
    oldest = GaugeMetricFamily(
        "aptichat_etl_queue_oldest_age_seconds",
        "Age of the oldest ETL job still waiting or running in chat_etl_jobs, by status (0 when none).",
        labels=("status",),
    )
    for status, age in sorted(snapshot.oldest_age_s.items()):
        oldest.add_metric((status,), age)
    yield oldest
    stages = HistogramMetricFamily(
        "aptichat_etl_stage_seconds",
        "Seconds one per-user ETL stage took in one run (chat_etl_stage_timings), by stage.",
        labels=("stage",),
    )
    for stage, hist in sorted(snapshot.stages.items()):
        buckets = [(_number(bound), count) for bound, count in zip(STAGE_BUCKETS, hist.buckets, strict=True)]
        stages.add_metric((stage,), [*buckets, ("+Inf", hist.count)], hist.sum)
    yield stages


def _backup_age() -> Iterator[Metric]:
    from aptichat.deploy.backups import newest_backup_age_seconds

    age = newest_backup_age_seconds(current_app.config["SETTINGS"])
    family = GaugeMetricFamily(
        "aptichat_backup_newest_age_seconds",
        "Seconds since the newest complete backup in the backup folder was taken (absent: no backup yet).",
    )
    if age is not None:
        family.add_metric((), age)
    yield family


class _ReadAtScrape(Collector):
    """The families read when /metrics is asked: the ETL snapshot, the backup age, and this worker's
    chat cache counters published first."""

    def collect(self) -> Iterator[Metric]:
        service = current_app.extensions.get("aptichat_chat")  # the ChatService bound to this app
        if service is not None:
            publish_cache_events(service.cache_events())
        snapshot = current_snapshot(on_failure=ETL_METRICS_ERRORS.inc)
        if snapshot is not None:
            yield from _etl_families(snapshot)
        try:
            yield from _backup_age()
        except Exception as exc:  # a broken reader must not take /metrics down with it
            log.warning("backup age skipped: %s", type(exc).__name__)


class _Counted(Collector):
    """The counted metrics: every worker's files in multiprocess mode, else this process's registry."""

    def collect(self) -> Iterator[Metric]:
        directory = get_settings().prometheus_multiproc_dir
        if directory:
            yield from MultiProcessCollector(None, path=str(directory)).collect()
        else:
            yield from REGISTRY.collect()


def render() -> bytes:
    """The Prometheus text of one scrape (read-at-scrape families first: a failed ETL refresh is
    counted before the counters are read)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ReadAtScrape())
    registry.register(_Counted())
    return generate_latest(registry)

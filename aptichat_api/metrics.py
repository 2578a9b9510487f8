"""Every metric the API exports at GET /metrics, and the tiny Prometheus registry that renders them
in the text format (version 0.0.4). In-house because we need three metric kinds and no extra package.

Counters and histograms are per process; under gunicorn each worker reports its own, which
Prometheus sums. The aptichat_etl_* families are read from the database (etl_snapshot.py) and are
the same from every worker, and the chat cache gauge reads the app's chat engine.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable

from flask import current_app

from aptichat.db.etl_metrics import STAGE_BUCKETS, EtlSnapshot
from aptichat_api.etl_snapshot import current_snapshot

LabelValues = tuple[str, ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: tuple[str, ...], values: LabelValues, extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    """A monotonically increasing count, optionally split by labels."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.label_names = name, help_text, labels
        self._values: dict[LabelValues, float] = {} if labels else {(): 0.0}
        self._lock = threading.Lock()

    def inc(self, *label_values: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[label_values] = self._values.get(label_values, 0.0) + amount

    def value(self, *label_values: str) -> float:
        return self._values.get(label_values, 0.0)

    def samples(self) -> Iterable[str]:
        with self._lock:
            items = sorted(self._values.items())
        for values, number in items:
            yield f"{self.name}{_labels(self.label_names, values)} {_number(number)}"


class Histogram:
    """Observations counted into cumulative buckets, with their sum and count."""

    kind = "histogram"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...], buckets: tuple[float, ...]) -> None:
        self.name, self.help, self.label_names = name, help_text, labels
        self.buckets = (*sorted(buckets), math.inf)
        self._series: dict[LabelValues, list[float]] = {}  # bucket counts..., sum, count
        self._lock = threading.Lock()

    def observe(self, value: float, *label_values: str) -> None:
        with self._lock:
            series = self._series.setdefault(label_values, [0.0] * (len(self.buckets) + 2))
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    series[i] += 1
            series[-2] += value
            series[-1] += 1

    def samples(self) -> Iterable[str]:
        with self._lock:
            items = sorted((k, list(v)) for k, v in self._series.items())
        for values, series in items:
            for bound, count in zip(self.buckets, series, strict=False):
                le = f'le="{_number(bound)}"'
                yield f"{self.name}_bucket{_labels(self.label_names, values, le)} {_number(count)}"
            yield f"{self.name}_sum{_labels(self.label_names, values)} {_number(series[-2])}"
            yield f"{self.name}_count{_labels(self.label_names, values)} {_number(series[-1])}"


class Gauge:
    """A value read when /metrics is scraped (e.g. cache hits kept by another package)."""

    kind = "gauge"

    def __init__(self, name: str, help_text: str, read: Callable[[], dict[LabelValues, float]], labels=()) -> None:
        self.name, self.help, self.label_names, self._read = name, help_text, tuple(labels), read

    def samples(self) -> Iterable[str]:
        try:
            values = self._read()
        except Exception:  # a broken reader must not take /metrics down with it
            values = {}
        for label_values, number in sorted(values.items()):
            yield f"{self.name}{_labels(self.label_names, label_values)} {_number(number)}"


class FromEtlSnapshot:
    """A metric family whose samples come from the ETL snapshot (etl_snapshot.py)."""

    def __init__(
        self,
        name: str,
        help_text: str,
        kind: str,
        labels: tuple[str, ...],
        lines: Callable[[EtlSnapshot], Iterable[tuple[str, LabelValues, float, str]]],
    ) -> None:
        self.name, self.help, self.kind, self.label_names, self._lines = name, help_text, kind, labels, lines

    def samples(self) -> Iterable[str]:
        snapshot = current_snapshot(on_failure=ETL_METRICS_ERRORS.inc)
        if snapshot is None:
            return []
        return [
            f"{self.name}{suffix}{_labels(self.label_names, values, extra)} {_number(number)}"
            for suffix, values, number, extra in self._lines(snapshot)
        ]


class Registry:
    def __init__(self) -> None:
        self._metrics: dict[str, Counter | Histogram | Gauge | FromEtlSnapshot] = {}

    def register(self, metric):  # type: ignore[no-untyped-def]
        self._metrics.setdefault(metric.name, metric)
        return self._metrics[metric.name]

    def render(self) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines.append(f"# HELP {metric.name} {metric.help}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            lines.extend(metric.samples())
        return "\n".join(lines) + "\n"


REGISTRY = Registry()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS: Counter = REGISTRY.register(
    Counter(
        "aptichat_http_requests_total",
        "HTTP requests by endpoint, method and status.",
        ("endpoint", "method", "status"),
    )
)
LATENCY: Histogram = REGISTRY.register(
    Histogram(
        "aptichat_http_request_seconds",
        "HTTP request latency by endpoint.",
        ("endpoint",),
        (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    )
)
ANSWERS: Counter = REGISTRY.register(
    Counter(
        "aptichat_chat_answers_total",
        "Chat answers by provider, degraded flag and variant.",
        ("provider", "degraded", "variant"),
    )
)
REJECTED_QUESTIONS: Counter = REGISTRY.register(
    Counter("aptichat_chat_rejected_questions_total", "Questions the chat engine refused, by code.", ("code",))
)
RETRIEVAL_DEGRADED: Counter = REGISTRY.register(
    Counter(
        "aptichat_chat_retrieval_degraded_total",
        "Chat questions answered with part of retrieval missing (a failed search contained in a savepoint), by cause.",
        ("cause",),
    )
)
SAFETY_FLAGS: Counter = REGISTRY.register(
    Counter(
        "aptichat_chat_safety_flags_total",
        "Messages the safety layer answered with its fixed reply and flagged for staff review, by category.",
        ("category",),
    )
)
RATE_LIMITED: Counter = REGISTRY.register(Counter("aptichat_rate_limited_total", "Requests refused with 429."))
UNHANDLED_ERRORS: Counter = REGISTRY.register(
    Counter("aptichat_unhandled_errors_total", "Requests that reached the catch-all 500 handler (should stay 0).")
)
FAITHFULNESS: Counter = REGISTRY.register(
    Counter(
        "aptichat_answer_faithfulness_total",
        "Provider answers checked against their cited sections, by provider and outcome (passed, "
        "passed_after_retry, fell_back to the offline composer).",
        ("provider", "outcome"),
    )
)
FAITHFULNESS_PROBLEMS: Counter = REGISTRY.register(
    Counter(
        "aptichat_answer_faithfulness_problems_total",
        "Problems the faithfulness check found in provider answers (first answers and regenerations), by kind.",
        ("kind",),
    )
)


def count_faithfulness(provider: str, outcome: str, problems: Iterable[str]) -> None:
    """One checked answer and the kinds of the problems found in it (aptichat.llm.faithfulness)."""
    FAITHFULNESS.inc(provider, outcome)
    for kind in problems:
        FAITHFULNESS_PROBLEMS.inc(kind)


# --- the ETL, from the database --------------------------------------------------------------------
def _processed(snapshot: EtlSnapshot) -> Iterable[tuple[str, LabelValues, float, str]]:
    for (status, source), count in sorted(snapshot.processed.items()):
        yield "", (status, source), count, ""


def _queue(snapshot: EtlSnapshot) -> Iterable[tuple[str, LabelValues, float, str]]:
    for status, count in sorted(snapshot.queue.items()):
        yield "", (status,), count, ""


def _stage_seconds(snapshot: EtlSnapshot) -> Iterable[tuple[str, LabelValues, float, str]]:
    for stage, hist in sorted(snapshot.stages.items()):
        for bound, count in (*zip(STAGE_BUCKETS, hist.buckets, strict=True), (float("inf"), hist.count)):
            yield "_bucket", (stage,), count, f'le="{_number(bound)}"'
        yield "_sum", (stage,), hist.sum, ""
        yield "_count", (stage,), hist.count, ""


ETL_PROCESSED: FromEtlSnapshot = REGISTRY.register(
    FromEtlSnapshot(
        "aptichat_etl_users_processed_total",
        "Finished ETL jobs (one per user per request) in chat_etl_jobs, by final status and source.",
        "counter",
        ("status", "source"),
        _processed,
    )
)
ETL_QUEUE_DEPTH: FromEtlSnapshot = REGISTRY.register(
    FromEtlSnapshot(
        "aptichat_etl_queue_depth",
        "ETL jobs in chat_etl_jobs waiting or in progress, by status (requested, queued, running).",
        "gauge",
        ("status",),
        _queue,
    )
)
ETL_STAGE_SECONDS: FromEtlSnapshot = REGISTRY.register(
    FromEtlSnapshot(
        "aptichat_etl_stage_seconds",
        "Seconds one per-user ETL stage took in one run (chat_etl_stage_timings), by stage.",
        "histogram",
        ("stage",),
        _stage_seconds,
    )
)
# registered after the ETL families: rendered after them, so a scrape counts its own failure
ETL_METRICS_ERRORS: Counter = REGISTRY.register(
    Counter(
        "aptichat_etl_metrics_errors_total",
        "Scrapes whose ETL block was skipped because the database query failed.",
    )
)


# --- the chat engine's caches ----------------------------------------------------------------------
def _chat_cache_events() -> dict[LabelValues, float]:
    service = current_app.extensions.get("aptichat_chat")  # the ChatService bound to this app
    return service.cache_events() if service is not None else {}


CHAT_CACHE: Gauge = REGISTRY.register(
    Gauge(
        "aptichat_chat_cache_events",
        "Chat engine cache hits, misses, invalidations.",
        _chat_cache_events,
        labels=("cache", "event"),
    )
)

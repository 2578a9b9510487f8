"""The Prometheus registry and the metrics the shared core records: Gemini token use and its
estimated cost, and the embedding caches. The API exports them with its own at GET /metrics
(aptichat_api/metrics.py); in the ETL's Dagster processes nobody scrapes them, and the embedding step
reads its own deltas from them for the step's metadata (`gemini_usage`).

prometheus_client decides per process whether values live in memory or in files shared by gunicorn's
workers (PROMETHEUS_MULTIPROC_DIR, set by aptichat_api/gunicorn_conf.py before any worker imports this).

Cost is an estimate: tokens times the list prices below (USD per million tokens, paid tier, text,
prompts up to 200k tokens, as published on ai.google.dev/gemini-api/docs/pricing in 2025). A model
not in the table still counts tokens and adds no cost; update the table when prices change.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, disable_created_metrics

disable_created_metrics()  # no *_created series: they are per process and mean nothing summed
REGISTRY = CollectorRegistry(auto_describe=True)

# model -> (input, output) USD per million tokens
GEMINI_PRICES_USD_PER_MILLION: dict[str, tuple[float, float]] = {
    "gemini-2.5-pro": (1.25, 10.00),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "gemini-2.0-flash": (0.10, 0.40),
    "gemini-2.0-flash-lite": (0.075, 0.30),
    "gemini-embedding-001": (0.15, 0.0),
}

GEMINI_TOKENS = Counter(
    "aptichat_gemini_tokens",
    "Gemini tokens by model, direction (input, output) and source (reported: the response's "
    "usage_metadata; estimated: 4 characters per token, when the response carried none).",
    ("model", "direction", "source"),
    registry=REGISTRY,
)
GEMINI_COST = Counter(
    "aptichat_gemini_cost_usd",
    "Estimated Gemini cost in US dollars by model (tokens x aptichat.telemetry.GEMINI_PRICES_USD_PER_MILLION).",
    ("model",),
    registry=REGISTRY,
)
EMBEDDING_CACHE = Counter(
    "aptichat_embedding_cache_events",
    "Embedding cache lookups by kind (query: the in-process LRU; document: chat_embedding_cache) and "
    "event (hit, miss).",
    ("kind", "event"),
    registry=REGISTRY,
)


def gemini_cost_usd(model: str, input_tokens: int, output_tokens: int) -> float:
    """The estimated cost of one call; 0.0 for a model without a price."""
    price_in, price_out = GEMINI_PRICES_USD_PER_MILLION.get(model, (0.0, 0.0))
    return (input_tokens * price_in + output_tokens * price_out) / 1_000_000


def record_gemini_usage(model: str, input_tokens: int, output_tokens: int, source: str = "reported") -> None:
    """Count one call's tokens and add its estimated cost."""
    GEMINI_TOKENS.labels(model, "input", source).inc(max(0, input_tokens))
    GEMINI_TOKENS.labels(model, "output", source).inc(max(0, output_tokens))
    GEMINI_COST.labels(model).inc(gemini_cost_usd(model, max(0, input_tokens), max(0, output_tokens)))


def usage_tokens(response: Any) -> tuple[int, int] | None:
    """(input, output) tokens from a google-genai response's usage_metadata; None when absent."""
    usage = getattr(response, "usage_metadata", None)
    if usage is None:
        return None
    prompt = getattr(usage, "prompt_token_count", None)
    output = getattr(usage, "candidates_token_count", None) or getattr(usage, "response_token_count", None)
    if prompt is None and output is None:
        return None
    return int(prompt or 0), int(output or 0)


def gemini_usage() -> dict[str, float]:
    """Totals of this process (tokens by direction, cost): the ETL step reports its own delta."""
    totals = {"input_tokens": 0.0, "output_tokens": 0.0, "cost_usd": 0.0}
    for family in REGISTRY.collect():
        for sample in family.samples:
            if sample.name == "aptichat_gemini_tokens_total":
                totals[f"{sample.labels['direction']}_tokens"] += sample.value
            elif sample.name == "aptichat_gemini_cost_usd_total":
                totals["cost_usd"] += sample.value
    return totals

"""Gemini token use and estimated cost (aptichat/telemetry.py): an answer counts the tokens of the
response's usage_metadata (a stream: the totals its last chunk carries), an embedding call without
usage data is counted as estimated, and the cost follows the price table."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from support.fake_gemini import FakeGemini, gemini_settings

from aptichat.llm.types import AnswerRequest
from aptichat.settings import Settings
from aptichat.telemetry import GEMINI_PRICES_USD_PER_MILLION, REGISTRY, gemini_cost_usd

ANSWER = "Nursing fits your Social interests and your care for people [1]."
PROMPT_TOKENS = 10  # what the fake server reports for every prompt


@pytest.fixture()
def fake() -> Iterator[FakeGemini]:
    with FakeGemini(answer_text=ANSWER) as server:
        yield server


def tokens(model: str, direction: str, source: str = "reported") -> float:
    labels = {"model": model, "direction": direction, "source": source}
    return REGISTRY.get_sample_value("aptichat_gemini_tokens_total", labels) or 0.0


def cost(model: str) -> float:
    return REGISTRY.get_sample_value("aptichat_gemini_cost_usd_total", {"model": model}) or 0.0


def test_answers_count_reported_tokens_and_their_cost(settings: Settings, fake: FakeGemini) -> None:
    from aptichat.llm.gemini import GeminiAnswerGenerator

    gemini = gemini_settings(settings, fake, gemini_answer_model="gemini-2.5-flash")
    generator = GeminiAnswerGenerator(gemini)
    request = AnswerRequest(question="Why nursing?")
    words = len(ANSWER.split())
    before = (tokens("gemini-2.5-flash", "input"), tokens("gemini-2.5-flash", "output"), cost("gemini-2.5-flash"))

    generator.generate(request)
    fake.stream_chunk_words = 2  # several chunks: only the last one's cumulative usage counts
    streamed = "".join(p for p in generator.stream_answer(request) if isinstance(p, str))
    assert streamed.split() == ANSWER.split()

    assert tokens("gemini-2.5-flash", "input") - before[0] == 2 * PROMPT_TOKENS
    assert tokens("gemini-2.5-flash", "output") - before[1] == 2 * words
    price_in, price_out = GEMINI_PRICES_USD_PER_MILLION["gemini-2.5-flash"]
    expected = 2 * (PROMPT_TOKENS * price_in + words * price_out) / 1_000_000
    assert math.isclose(cost("gemini-2.5-flash") - before[2], expected, rel_tol=1e-9)


def test_embeddings_without_usage_are_estimated(settings: Settings, fake: FakeGemini) -> None:
    from aptichat.embeddings.gemini import GeminiEmbedder

    gemini = gemini_settings(settings, fake)
    model = gemini.gemini_embedding_model
    before = tokens(model, "input", "estimated"), cost(model)
    GeminiEmbedder(gemini).embed_documents(["one short text", "another one"])
    counted = tokens(model, "input", "estimated") - before[0]
    assert counted > 0 and tokens(model, "input", "reported") == 0.0
    assert math.isclose(cost(model) - before[1], gemini_cost_usd(model, int(counted), 0), rel_tol=1e-9)


def test_a_model_without_a_price_counts_tokens_and_no_cost() -> None:
    assert gemini_cost_usd("gemini-unknown-model", 1000, 1000) == 0.0
    assert gemini_cost_usd("gemini-2.5-pro", 1_000_000, 0) == GEMINI_PRICES_USD_PER_MILLION["gemini-2.5-pro"][0]


def test_a_stage_that_called_gemini_gets_its_usage_as_metadata(settings: Settings, fake: FakeGemini) -> None:
    """observed_stage wraps every per-user asset with this (aptichat_pipelines/observability.py)."""
    from dagster import MaterializeResult

    from aptichat.embeddings.gemini import GeminiEmbedder
    from aptichat.telemetry import gemini_usage
    from aptichat_pipelines.observability import with_gemini_usage

    before = gemini_usage()
    GeminiEmbedder(gemini_settings(settings, fake)).embed_documents(["a section of a document", "another"])
    metadata = with_gemini_usage(MaterializeResult(metadata={"chunks": 2}), before).metadata
    assert metadata["chunks"] == 2 and metadata["gemini_input_tokens"] > 0 and metadata["gemini_output_tokens"] == 0
    assert metadata["gemini_cost_usd"] > 0
    untouched = with_gemini_usage(MaterializeResult(metadata={"chunks": 2}), gemini_usage())
    assert untouched.metadata == {"chunks": 2}  # no Gemini call (local embeddings): nothing added

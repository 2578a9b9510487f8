"""Gemini misbehaving behind the real HTTP API (llm=gemini, base URL = the fake server): 429s, 500s and
timeouts are retried a bounded number of times, then the person gets a degraded offline answer with
citations, never a 5xx. JSON and SSE both. An answer that misquotes the person's openness percentile is
asked for again with the problem named, then replaced by the offline answer, and counted in /metrics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests
from sqlalchemy import Engine
from support.api import Api, app_config, seed_person, serve, sse_events
from support.fake_gemini import FakeGemini, Fault, prompt_of, section_number

from aptichat.settings import Settings

USER = "gemini-faults-0001"
ATTEMPTS = 3
TIMEOUT_S = 1.0
# The engine streams even for the JSON route (the answer is the streamed pieces joined).
RPC = "streamGenerateContent"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGemini]:
    with FakeGemini(answer_text="Nursing fits your Social interests [1].") as server:
        yield server


@pytest.fixture(scope="module")
def gemini_api(engine: Engine, settings: Settings, fake: FakeGemini) -> Iterator[Api]:
    from aptichat_api.app import create_app

    seed_person(engine, settings, USER)
    gemini = settings.model_copy(
        update={
            "llm": "gemini",
            "gemini_api_key": "test-key",
            "gemini_base_url": fake.base_url,
            "gemini_timeout_s": TIMEOUT_S,
            "gemini_max_attempts": ATTEMPTS,
            "gemini_retry_initial_delay_s": 0.05,
            "gemini_retry_max_delay_s": 0.2,
        }
    )
    with serve(create_app(app_config(gemini))) as url:
        yield Api(url, gemini)


@pytest.fixture(autouse=True)
def _clean(fake: FakeGemini) -> None:
    fake.faults.clear()
    fake.requests.clear()
    fake.answers.clear()
    fake.answer_fn = None


# Each case asks its own question: the answer cache would otherwise serve the first case's answer.
CASES = [
    ("429-then-ok", [Fault.http(429, retry_after=0.1)], "Why is nursing a good career for me?", False, 2),
    ("500-then-ok", [Fault.http(500)], "Which majors fit my interests?", False, 2),
    ("429-always", [Fault.http(429, retry_after=0.1)] * ATTEMPTS, "What careers suit my strengths?", True, ATTEMPTS),
    ("500-always", [Fault.http(500)] * ATTEMPTS, "What are my strengths?", True, ATTEMPTS),
    ("timeout-always", [Fault.slow(TIMEOUT_S * 3)] * ATTEMPTS, "Which jobs match my Holland code?", True, ATTEMPTS),
]


@pytest.mark.parametrize(("faults", "question", "degraded", "calls"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_json_answer_survives_provider_faults(
    gemini_api: Api, fake: FakeGemini, faults: list[Fault], question: str, degraded: bool, calls: int
) -> None:
    for fault in faults:
        fake.faults.append(replace(fault, rpc=RPC))
    r = requests.post(
        f"{gemini_api.url}/chat/question", json={"question": question}, headers=gemini_api.headers(USER), timeout=60
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answer"].strip() and body["citations"]
    assert body["degraded"] is degraded
    assert body["provider"] == "offline" if degraded else body["provider"].startswith("gemini")
    assert len(fake.calls(RPC)) == calls  # retried, and never more than the bound


def test_stream_falls_back_when_every_attempt_fails(gemini_api: Api, fake: FakeGemini) -> None:
    for _ in range(ATTEMPTS):
        fake.faults.append(Fault.http(503, rpc=RPC))
    r = requests.post(
        f"{gemini_api.url}/chat/stream",
        json={"question": "What would I enjoy studying?"},
        headers=gemini_api.headers(USER),
        stream=True,
        timeout=60,
    )
    assert r.status_code == 200
    events = sse_events(r)
    assert [e for e, _ in events if e == "error"] == []
    final = events[-1]
    assert final[0] == "answer" and final[1]["degraded"] is True and final[1]["answer"].strip()
    assert len(fake.calls(RPC)) == ATTEMPTS


def test_no_request_reached_the_catch_all_handler(gemini_api: Api) -> None:
    metrics = requests.get(f"{gemini_api.url}/metrics", timeout=10).text
    assert "aptichat_unhandled_errors_total 0" in metrics


# --- faithfulness (issue 16) -----------------------------------------------------------------------
# The seeded person is the documents' example: their openness section says the 82nd percentile.
WRONG = "Your openness to experience is at the 91st percentile [{n}]."
RIGHT = "Your openness to experience score is high, around the 82nd percentile [{n}]."
PROBLEM = "You wrote the 91st percentile for Openness to experience, but section [{n}] says 82nd."


def _openness(body: dict[str, Any]) -> int:
    n = section_number(prompt_of(body), "personality:openness")
    assert n is not None, "the openness section was not in the prompt"
    return n


def _script(fake: FakeGemini, *answers: str) -> None:
    """Gemini's answers to the next requests, in order, citing the openness section by its number."""
    queue = list(answers)
    fake.answer_fn = lambda body: queue.pop(0).format(n=_openness(body)) if queue else fake.answer_text


def _faithfulness(url: str) -> dict[tuple[str, str], float]:
    text = requests.get(f"{url}/metrics", timeout=10).text
    counts = {}
    for name, labels, value in re.findall(r"^(aptichat_answer_faithfulness\w*)\{(.*)\} (\S+)$", text, re.M):
        counts[(name, labels)] = float(value)
    return counts


def _delta(before: dict[tuple[str, str], float], after: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    return {key: value - before.get(key, 0.0) for key, value in after.items() if value != before.get(key, 0.0)}


def test_a_misquoted_percentile_twice_gives_the_offline_answer_and_is_counted(
    gemini_api: Api, fake: FakeGemini
) -> None:
    _script(fake, WRONG, WRONG)
    before = _faithfulness(gemini_api.url)
    r = requests.post(
        f"{gemini_api.url}/chat/question",
        json={"question": "What does my openness score mean?"},
        headers=gemini_api.headers(USER),
        timeout=60,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["degraded"] is True and body["provider"] == "offline"
    assert body["degraded_cause"] == "provider_unfaithful"
    assert "91st" not in body["answer"] and body["answer"].strip() and body["citations"]
    first, second = fake.calls(RPC)
    n = _openness(first.body)
    assert PROBLEM.format(n=n) in prompt_of(second) and PROBLEM.format(n=n) not in prompt_of(first)
    provider = f'provider="gemini:{gemini_api.settings.gemini_answer_model}"'
    assert _delta(before, _faithfulness(gemini_api.url)) == {
        ("aptichat_answer_faithfulness_total", f'outcome="fell_back",{provider}'): 1.0,  # labels sorted
        ("aptichat_answer_faithfulness_problems_total", 'kind="unsupported_number"'): 2.0,
    }


def test_a_misquoted_percentile_once_streams_geminis_second_answer(gemini_api: Api, fake: FakeGemini) -> None:
    _script(fake, WRONG, RIGHT)
    before = _faithfulness(gemini_api.url)
    r = requests.post(
        f"{gemini_api.url}/chat/stream",
        json={"question": "How open am I to new experiences?"},
        headers=gemini_api.headers(USER),
        stream=True,
        timeout=60,
    )
    assert r.status_code == 200
    events = sse_events(r)
    tokens = "".join(data["text"] for event, data in events if event == "token")
    final = events[-1]
    first, second = fake.calls(RPC)
    n = _openness(first.body)
    assert final[0] == "answer" and final[1]["degraded"] is False and final[1]["provider"].startswith("gemini")
    assert final[1]["answer"] == tokens.strip() == RIGHT.format(n=n)
    assert "91st" not in tokens  # the rejected answer was never streamed
    assert PROBLEM.format(n=n) in prompt_of(second)
    provider = f'provider="gemini:{gemini_api.settings.gemini_answer_model}"'
    assert _delta(before, _faithfulness(gemini_api.url)) == {
        ("aptichat_answer_faithfulness_total", f'outcome="passed_after_retry",{provider}'): 1.0,  # labels sorted
        ("aptichat_answer_faithfulness_problems_total", 'kind="unsupported_number"'): 1.0,
    }

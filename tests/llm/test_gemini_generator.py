"""The Gemini answer generator through the real SDK against the fake server, including fallbacks."""

from __future__ import annotations

from support.fake_gemini import FakeGemini, Fault, gemini_settings

from aptichat.llm import AnswerRequest, ContextSection, GeneratedAnswer, OfflineComposer, get_answer_generator
from aptichat.llm.gemini import GeminiAnswerGenerator
from aptichat.settings import Settings


def request_for(sections: list[ContextSection], **extra: object) -> AnswerRequest:
    return AnswerRequest(question="Why research scientist?", intent="careers", sections=sections, **extra)  # type: ignore[arg-type]


def test_generate_sends_context_and_parses_citations(
    settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]
) -> None:
    fake_gemini.answer_text = "It fits your Investigative interests [3] and the work is analytical [6][99]."
    # The generator itself, not behind the fallback: its faithfulness check would reject the dangling [99]
    # (tests/llm/test_faithfulness_wiring.py); here the parsing of what Gemini sent is under test.
    generator = GeminiAnswerGenerator(gemini_settings(settings, fake_gemini, gemini_answer_model="gemini-test"))
    answer = generator.generate(request_for(sections, system_instruction="Be brief."))
    assert answer.text == fake_gemini.answer_text
    assert answer.citations == [3, 6]  # [99] names no provided section
    assert answer.provider == "gemini:gemini-test" and not answer.degraded and answer.error is None
    (call,) = fake_gemini.calls("generateContent")
    assert call.path == "/v1/models/gemini-test:generateContent"
    assert call.body["systemInstruction"]["parts"][0]["text"] == "Be brief."
    prompt = call.body["contents"][0]["parts"][0]["text"]
    assert "[3] (career_recommendations) Your top career matches" in prompt and "Why research scientist?" in prompt


def test_a_prebuilt_prompt_is_sent_verbatim(
    settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]
) -> None:
    generator = get_answer_generator(gemini_settings(settings, fake_gemini))
    generator.generate(request_for(sections, prompt="PROMPT BUILT BY RAG"))
    (call,) = fake_gemini.calls("generateContent")
    assert call.body["contents"][0]["parts"][0]["text"] == "PROMPT BUILT BY RAG"
    assert "AptiChat" in call.body["systemInstruction"]["parts"][0]["text"]  # the default instruction


def test_streaming_through_sse_yields_pieces_then_the_answer(
    settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]
) -> None:
    fake_gemini.answer_text = (
        "Curiosity and creativity [2] are your strengths, and research combines your Artistic and "
        "Investigative interests [3]. Want more?"
    )
    generator = get_answer_generator(gemini_settings(settings, fake_gemini))
    *pieces, final = list(generator.stream_answer(request_for(sections)))
    assert len(pieces) >= 3 and all(isinstance(p, str) for p in pieces)
    assert isinstance(final, GeneratedAnswer)
    assert "".join(pieces) == final.text == fake_gemini.answer_text  # type: ignore[arg-type]
    assert final.citations == [2, 3] and not final.degraded
    (call,) = fake_gemini.calls("streamGenerateContent")
    assert call.query == "alt=sse"
    assert "".join(generator.stream(request_for(sections))) == fake_gemini.answer_text


def test_repeated_503_falls_back_to_the_offline_composer(
    settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]
) -> None:
    generator = get_answer_generator(gemini_settings(settings, fake_gemini, gemini_max_attempts=3))
    fake_gemini.faults.extend(Fault.http(503) for _ in range(3))
    answer = generator.generate(request_for(sections))
    offline = OfflineComposer().generate(request_for(sections))
    assert len(fake_gemini.calls("generateContent")) == 3
    assert answer.degraded and answer.error == "retryable"
    assert answer.text == offline.text and answer.citations == offline.citations and answer.provider == "offline"


def test_streaming_falls_back_when_the_stream_cannot_open(
    settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]
) -> None:
    generator = get_answer_generator(gemini_settings(settings, fake_gemini, gemini_max_attempts=2))
    fake_gemini.faults.extend(Fault.http(503) for _ in range(2))
    *pieces, final = list(generator.stream_answer(request_for(sections)))
    assert isinstance(final, GeneratedAnswer) and final.degraded and final.error == "retryable"
    assert "".join(pieces) == final.text == OfflineComposer().generate(request_for(sections)).text  # type: ignore[arg-type]
    assert len(fake_gemini.calls("streamGenerateContent")) == 2


def test_stream_recovers_from_a_429_then_streams(
    settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]
) -> None:
    generator = get_answer_generator(gemini_settings(settings, fake_gemini))
    fake_gemini.faults.append(Fault.http(429, retry_after=0.2))
    *_, final = list(generator.stream_answer(request_for(sections)))
    assert isinstance(final, GeneratedAnswer) and not final.degraded and final.text == fake_gemini.answer_text
    first, second = fake_gemini.calls("streamGenerateContent")
    assert second.at - first.at >= 0.2


def test_quota_invalid_request_and_safety_are_classified(
    settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]
) -> None:
    generator = get_answer_generator(gemini_settings(settings, fake_gemini, gemini_max_attempts=2))
    fake_gemini.faults.extend([Fault.http(429, retry_after=0), Fault.http(429, retry_after=0)])
    assert generator.generate(request_for(sections)).error == "quota"
    assert len(fake_gemini.calls("generateContent")) == 2

    fake_gemini.faults.append(Fault.http(400))
    answer = generator.generate(request_for(sections))
    assert answer.error == "invalid_request" and answer.degraded
    assert len(fake_gemini.calls("generateContent")) == 3  # the 400 was not retried

    fake_gemini.faults.append(Fault.safety_block())
    answer = generator.generate(request_for(sections))
    assert answer.error == "blocked_by_safety" and answer.degraded and answer.citations
    assert len(fake_gemini.calls("generateContent")) == 4


def test_a_timeout_is_retried(settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]) -> None:
    generator = get_answer_generator(gemini_settings(settings, fake_gemini, gemini_timeout_s=0.5))
    fake_gemini.faults.append(Fault.slow(1.5))
    answer = generator.generate(request_for(sections))
    assert not answer.degraded and len(fake_gemini.calls("generateContent")) == 2


def test_gemini_without_a_key_answers_offline(settings: Settings) -> None:
    configured = settings.model_copy(update={"llm": "gemini", "gemini_api_key": None})
    assert isinstance(get_answer_generator(configured), OfflineComposer)


def test_a_stream_broken_midway_keeps_the_partial_answer_marked_degraded(
    settings: Settings, fake_gemini: FakeGemini, sections: list[ContextSection]
) -> None:
    fake_gemini.answer_text = (
        "Curiosity and creativity [2] are your strengths, and research combines your Artistic and "
        "Investigative interests [3]. Want more?"
    )
    generator = get_answer_generator(gemini_settings(settings, fake_gemini))
    fake_gemini.faults.append(Fault.broken_stream(after_chunks=2))
    *pieces, final = list(generator.stream_answer(request_for(sections)))
    assert isinstance(final, GeneratedAnswer) and final.degraded and final.error == "retryable"
    assert "".join(pieces) == final.text  # type: ignore[arg-type]
    assert final.text.startswith("Curiosity and creativity [2]") and "cut off" in final.text
    assert final.citations == [2]

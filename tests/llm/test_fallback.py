"""The one offline fallback layer around any generator: failures and empty answers become the
offline composer's answer marked degraded; a stream that breaks after text keeps it, with a note."""

from __future__ import annotations

from collections.abc import Iterator

from aptichat.llm import AnswerRequest, ContextSection, GeneratedAnswer, OfflineComposer, OfflineFallback
from aptichat.llm.fallback import INTERRUPTED_NOTE, with_offline_fallback

# Answers the scripted generators give quote the `sections` fixture, so they pass the faithfulness check.
FINE = "Your strengths are curiosity and creativity [2]."


class _Scripted:
    """A generator whose stream yields `pieces` then raises `error` (if any); `generate` likewise."""

    name = "scripted"

    def __init__(self, pieces: list[str], error: Exception | None = None) -> None:
        self.pieces = pieces
        self.error = error

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        if self.error is not None:
            raise self.error
        return GeneratedAnswer(text="".join(self.pieces), provider=self.name)

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        yield from self.pieces

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        yield from self.pieces
        if self.error is not None:
            raise self.error
        yield GeneratedAnswer(text="".join(self.pieces), provider=self.name)


def _request(sections: list[ContextSection]) -> AnswerRequest:
    return AnswerRequest(question="What are my strengths?", intent="personality", sections=sections)


def test_a_failure_or_an_empty_answer_gives_the_offline_answer_marked_degraded(
    sections: list[ContextSection],
) -> None:
    offline = OfflineComposer().generate(_request(sections))
    failed = OfflineFallback(_Scripted([], RuntimeError("boom"))).generate(_request(sections))
    assert failed.degraded and failed.error == "RuntimeError" and failed.provider == "offline"
    assert failed.text == offline.text
    empty = OfflineFallback(_Scripted(["  "])).generate(_request(sections))
    assert empty.degraded and empty.error == "retryable" and empty.text == offline.text
    *pieces, final = list(OfflineFallback(_Scripted([], RuntimeError("boom"))).stream_answer(_request(sections)))
    assert isinstance(final, GeneratedAnswer) and final.degraded and "".join(pieces) == final.text == offline.text  # type: ignore[arg-type]


def test_a_stream_broken_after_text_keeps_it_with_a_note(sections: list[ContextSection]) -> None:
    generator = OfflineFallback(
        _Scripted(["You are very open to new experiences [1]. ", "And "], ConnectionError("reset"))
    )
    *pieces, final = list(generator.stream_answer(_request(sections)))
    assert pieces[-1] == INTERRUPTED_NOTE and "".join(pieces) == final.text  # type: ignore[arg-type]
    assert isinstance(final, GeneratedAnswer) and final.degraded and final.error == "ConnectionError"
    assert final.provider == "scripted" and final.citations == [1]


def test_a_healthy_generator_passes_through_and_is_wrapped_once(sections: list[ContextSection]) -> None:
    generator = with_offline_fallback(_Scripted([FINE]))
    assert with_offline_fallback(generator) is generator and generator.name == "scripted"
    answer = generator.generate(_request(sections))
    assert answer.text == FINE and not answer.degraded and answer.provider == "scripted"
    *_, final = list(generator.stream_answer(_request(sections)))
    assert isinstance(final, GeneratedAnswer) and not final.degraded and final.text == FINE

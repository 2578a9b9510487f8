"""The faithfulness gate around Gemini (issue 16), through the real google-genai client against the
Gemini-compatible test server: an answer that misquotes a percentile is regenerated once with the
problem named in the prompt; a second bad answer gives the person the offline composer's answer,
degraded with error "unfaithful". Streaming is buffered, so a rejected answer never reaches the person.

The sections are the example person's own (aptichat.documents.examples): their openness section
says the 82nd percentile, so "the 91st percentile" citing it is really wrong."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from support.fake_gemini import FakeGemini, gemini_settings, prompt_of

from aptichat.documents.examples import example_documents
from aptichat.llm import (
    AnswerRequest,
    ContextSection,
    GeneratedAnswer,
    OfflineComposer,
    OfflineFallback,
    get_answer_generator,
    with_offline_fallback,
)
from aptichat.llm.faithfulness import check_answer
from aptichat.llm.fallback import UNFAITHFUL
from aptichat.settings import Settings

WRONG = "Your openness to experience is at the 91st percentile [2]."
RIGHT = "Your openness to experience score is high, around the 82nd percentile [2]."
# what check_answer says about WRONG, and what the regeneration prompt must therefore contain
PROBLEM = "You wrote the 91st percentile for Openness to experience, but section [2] says 82nd."
ASK_AGAIN = "Answer again using only the numbers in the sections."


@pytest.fixture()
def person_sections() -> list[ContextSection]:
    by_id = {s.section_id: (d.document_type.value, s) for d in example_documents("u") for s in d.sections()}
    ids = ["personality:overview", "personality:openness", "skills:spatial"]
    return [
        ContextSection(
            n=n,
            document_type=by_id[i][0],
            section_id=i,
            title=by_id[i][1].title,
            text=re.sub(r"\s+", " ", by_id[i][1].text),
        )
        for n, i in enumerate(ids, start=1)
    ]


def _request(sections: list[ContextSection]) -> AnswerRequest:
    return AnswerRequest(question="What does my openness score mean?", intent="personality", sections=sections)  # type: ignore[arg-type]


def _gemini(settings: Settings, fake: FakeGemini) -> OfflineFallback:
    generator = get_answer_generator(gemini_settings(settings, fake))
    assert isinstance(generator, OfflineFallback) and generator.check_faithfulness
    return generator


def test_the_scripted_answers_are_what_the_tests_say(person_sections: list[ContextSection]) -> None:
    assert [p.description for p in check_answer(WRONG, person_sections).problems] == [PROBLEM]
    assert check_answer(RIGHT, person_sections).ok


def test_a_wrong_percentile_twice_gives_the_composers_answer_degraded(
    settings: Settings, fake_gemini: FakeGemini, person_sections: list[ContextSection]
) -> None:
    fake_gemini.answers.extend([WRONG, WRONG])
    answer = _gemini(settings, fake_gemini).generate(_request(person_sections))
    offline = OfflineComposer().generate(_request(person_sections))
    assert answer.text == offline.text and "91st" not in answer.text
    assert answer.degraded and answer.error == UNFAITHFUL and answer.provider == "offline"
    assert answer.faithfulness is not None and answer.faithfulness.outcome == "fell_back"
    assert answer.faithfulness.provider.startswith("gemini:")
    assert answer.faithfulness.problems == ["unsupported_number", "unsupported_number"]
    first, second = fake_gemini.calls("generateContent")
    assert "previous answer" not in prompt_of(first)
    assert PROBLEM in prompt_of(second) and ASK_AGAIN in prompt_of(second)
    assert prompt_of(second).startswith(prompt_of(first).rstrip())  # the same prompt, the problems appended


def test_wrong_once_then_right_gives_geminis_answer(
    settings: Settings, fake_gemini: FakeGemini, person_sections: list[ContextSection]
) -> None:
    fake_gemini.answers.extend([WRONG, RIGHT])
    answer = _gemini(settings, fake_gemini).generate(_request(person_sections))
    assert answer.text == RIGHT and answer.citations == [2]
    assert not answer.degraded and answer.error is None and answer.provider.startswith("gemini:")
    assert answer.faithfulness is not None
    assert (answer.faithfulness.outcome, answer.faithfulness.problems) == ("passed_after_retry", ["unsupported_number"])
    _, second = fake_gemini.calls("generateContent")
    assert PROBLEM in prompt_of(second)


def test_a_faithful_answer_is_asked_for_once(
    settings: Settings, fake_gemini: FakeGemini, person_sections: list[ContextSection]
) -> None:
    fake_gemini.answers.append(RIGHT)
    answer = _gemini(settings, fake_gemini).generate(_request(person_sections))
    assert answer.text == RIGHT and not answer.degraded
    assert answer.faithfulness is not None and answer.faithfulness.outcome == "passed"
    assert answer.faithfulness.problems == []
    (call,) = fake_gemini.calls("generateContent")
    assert "previous answer" not in prompt_of(call)


def test_a_dangling_citation_is_caught_before_cleaning_could_hide_it(
    settings: Settings, fake_gemini: FakeGemini, person_sections: list[ContextSection]
) -> None:
    fake_gemini.answers.extend([RIGHT.replace("[2]", "[2][9]")] * 2)
    answer = _gemini(settings, fake_gemini).generate(_request(person_sections))
    assert answer.degraded and answer.error == UNFAITHFUL
    assert answer.faithfulness is not None and answer.faithfulness.problems == ["dangling_citation"] * 2
    _, second = fake_gemini.calls("generateContent")
    assert "You cited [9], but there is no section [9]" in prompt_of(second)


def _streamed(generator: OfflineFallback, request: AnswerRequest) -> tuple[list[str], GeneratedAnswer]:
    *pieces, final = list(generator.stream_answer(request))
    assert isinstance(final, GeneratedAnswer) and all(isinstance(p, str) for p in pieces)
    return pieces, final  # type: ignore[return-value]


def test_the_stream_never_sends_a_rejected_answer(
    settings: Settings, fake_gemini: FakeGemini, person_sections: list[ContextSection]
) -> None:
    generator = _gemini(settings, fake_gemini)
    fake_gemini.answers.extend([WRONG, WRONG])
    pieces, final = _streamed(generator, _request(person_sections))
    offline = OfflineComposer().generate(_request(person_sections))
    assert "".join(pieces) == final.text == offline.text and not any("91st" in p for p in pieces)
    assert final.degraded and final.error == UNFAITHFUL and final.faithfulness is not None
    assert final.faithfulness.outcome == "fell_back"
    first, second = fake_gemini.calls("streamGenerateContent")
    assert PROBLEM not in prompt_of(first) and PROBLEM in prompt_of(second) and ASK_AGAIN in prompt_of(second)

    fake_gemini.answers.extend([WRONG, RIGHT])
    pieces, final = _streamed(generator, _request(person_sections))
    assert "".join(pieces) == final.text == RIGHT and len(pieces) > 3  # streamed as word pieces
    assert not final.degraded and final.faithfulness is not None
    assert final.faithfulness.outcome == "passed_after_retry"
    assert len(fake_gemini.calls("streamGenerateContent")) == 4


class _WrongThenBroken:
    """A generator that answers wrongly, then fails when asked again."""

    name = "flaky"

    def __init__(self) -> None:
        self.requests: list[AnswerRequest] = []

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        self.requests.append(request)
        if len(self.requests) > 1:
            raise ConnectionError("reset")
        return GeneratedAnswer(text=WRONG, provider=self.name)

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        yield self.generate(request).text

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        answer = self.generate(request)
        yield answer.text
        yield answer


def test_a_failed_regeneration_falls_back_as_unfaithful(person_sections: list[ContextSection]) -> None:
    primary = _WrongThenBroken()
    answer = OfflineFallback(primary).generate(_request(person_sections))
    assert answer.degraded and answer.error == UNFAITHFUL and answer.provider == "offline"
    assert answer.faithfulness is not None and answer.faithfulness.problems == ["unsupported_number"]
    first, second = primary.requests
    assert first.revision_notes is None and second.revision_notes and PROBLEM in second.revision_notes


def test_the_offline_composer_is_not_checked_against_itself(person_sections: list[ContextSection]) -> None:
    generator = with_offline_fallback(OfflineComposer())
    assert not generator.check_faithfulness
    answer = generator.generate(_request(person_sections))
    assert answer.faithfulness is None and not answer.degraded
    *_, final = list(generator.stream_answer(_request(person_sections)))
    assert isinstance(final, GeneratedAnswer) and final.faithfulness is None

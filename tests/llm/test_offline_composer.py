"""The offline composer: grounded, cited only from what it was given, honest about gaps."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aptichat.llm import AnswerRequest, ContextSection, GeneratedAnswer, OfflineComposer, get_answer_generator
from aptichat.settings import Settings

composer = OfflineComposer()
CITATION = re.compile(r"\[(\d+)\]")


@pytest.mark.parametrize(
    ("intent", "question", "expected_fact", "expected_cited"),
    [
        ("personality", "What are my strengths?", "curiosity, creativity", 2),
        ("careers", "Why research scientist?", "Research Scientist", 3),
        ("majors", "Which majors fit me?", "Fine Arts and Biology", 4),
        ("thinking_skills", "How strong is my numerical reasoning?", "82nd percentile", 5),
        ("general_guidance", "What should I do after school?", "Your top matches", 3),
    ],
)
def test_each_intent_gives_a_grounded_cited_answer(
    sections: list[ContextSection], intent: str, question: str, expected_fact: str, expected_cited: int
) -> None:
    answer = composer.generate(AnswerRequest(question=question, intent=intent, sections=sections))  # type: ignore[arg-type]
    assert expected_fact in answer.text
    assert expected_cited == answer.citations[0]  # the lead comes from the most relevant section
    assert 1 <= len(answer.citations) <= 4
    assert answer.provider == "offline" and not answer.degraded
    assert answer.text.rstrip().endswith("?")  # ends by inviting a follow-up
    assert len(answer.text) <= 1800


def test_cites_only_provided_section_numbers(sections: list[ContextSection]) -> None:
    renumbered = [s.model_copy(update={"n": n}) for s, n in zip(sections, [11, 3, 42, 7, 19, 5, 8, 23], strict=True)]
    answer = composer.generate(AnswerRequest(question="Which careers suit me?", intent="careers", sections=renumbered))
    in_text = {int(n) for n in CITATION.findall(answer.text)}
    assert in_text == set(answer.citations) and in_text <= {11, 3, 42, 7, 19, 5, 8, 23}
    assert 42 in in_text


section_strategy = st.builds(
    ContextSection,
    n=st.integers(1, 60),
    document_type=st.sampled_from(["personality_profile", "career_recommendations", "catalog_job", "scale_guide"]),
    section_id=st.just("s"),
    title=st.text(min_size=1, max_size=30),
    text=st.text(min_size=1, max_size=400),
)


@settings(max_examples=60, deadline=None)
@given(
    question=st.text(max_size=80),
    intent=st.sampled_from(["personality", "thinking_skills", "careers", "majors", "general_guidance"]),
    chosen=st.lists(section_strategy, max_size=8, unique_by=lambda s: s.n),
    max_chars=st.integers(100, 2000),
)
def test_never_cites_anything_it_was_not_given(
    question: str, intent: str, chosen: list[ContextSection], max_chars: int
) -> None:
    request = AnswerRequest(question=question, intent=intent, sections=chosen, max_chars=max_chars)  # type: ignore[arg-type]
    answer = composer.generate(request)
    provided = {s.n for s in chosen}
    assert set(answer.citations) <= provided
    assert len(answer.text) <= max_chars
    assert answer.text.strip()


def test_gap_is_named_honestly(sections: list[ContextSection]) -> None:
    without_skills = [s for s in sections if s.document_type != "thinking_skills"]
    answer = composer.generate(
        AnswerRequest(
            question="What does my reasoning score mean?",
            intent="thinking_skills",
            sections=without_skills,
            gaps={"thinking_skills": "your thinking skills were not measured in this test"},
        )
    )
    assert "Your thinking skills were not measured in this test" in answer.text
    # Only general background may stand in; never another part of the person's results.
    by_number = {s.n: s for s in sections}
    assert answer.citations and all(by_number[n].document_type == "scale_guide" for n in answer.citations)


def test_gap_with_nothing_to_show_says_so_and_suggests_what_exists() -> None:
    answer = composer.generate(
        AnswerRequest(
            question="Which majors fit me?",
            intent="majors",
            gaps={"major_recommendations": "interests were not part of this test"},
        )
    )
    assert "I don't have your major recommendations (interests were not part of this test)" in answer.text
    assert "personality profile" in answer.text and answer.citations == []


def test_no_sections_is_honest() -> None:
    answer = composer.generate(AnswerRequest(question="What are my strengths?", intent="personality"))
    assert "I don't have that in your results yet" in answer.text and answer.citations == []


@pytest.mark.parametrize(
    ("question", "intent", "phrase"),
    [
        ("hi there", "smalltalk", "I'm your AptiChat advisor"),
        ("thanks a lot!", "smalltalk", "You're welcome"),
        ("what's the weather tomorrow?", "out_of_scope", "outside what I can help with"),
    ],
)
def test_smalltalk_and_out_of_scope(sections: list[ContextSection], question: str, intent: str, phrase: str) -> None:
    answer = composer.generate(AnswerRequest(question=question, intent=intent, sections=sections))  # type: ignore[arg-type]
    assert phrase in answer.text and answer.citations == []


def test_deterministic_and_streams_the_same_text(sections: list[ContextSection]) -> None:
    request = AnswerRequest(question="Why research scientist?", intent="careers", sections=sections)
    assert composer.generate(request) == composer.generate(request)
    items = list(composer.stream_answer(request))
    *pieces, final = items
    assert isinstance(final, GeneratedAnswer) and all(isinstance(p, str) for p in pieces)
    assert len(pieces) > 10 and "".join(pieces) == final.text == composer.generate(request).text  # type: ignore[arg-type]
    assert "".join(composer.stream(request)) == final.text


def test_respects_max_chars_keeping_the_direct_answer(sections: list[ContextSection]) -> None:
    request = AnswerRequest(question="Why research scientist?", intent="careers", sections=sections, max_chars=260)
    answer = composer.generate(request)
    assert len(answer.text) <= 260 and "Research Scientist" in answer.text and answer.citations


def test_offline_is_the_default_generator(settings: Settings) -> None:
    assert settings.llm == "offline"
    generator = get_answer_generator(settings)
    assert isinstance(generator, OfflineComposer) and generator is get_answer_generator(settings)

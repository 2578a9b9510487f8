"""Fixtures for answer-generation tests: a fake Gemini per test and a small set of sections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.fake_gemini import FakeGemini

from aptichat.llm import ContextSection


@pytest.fixture()
def fake_gemini() -> Iterator[FakeGemini]:
    # Its default answer quotes section [1] of `sections` below, so it passes the faithfulness check.
    with FakeGemini(answer_text="You are very open to new experiences and enjoy ideas and art [1].") as fake:
        yield fake


@pytest.fixture()
def sections() -> list[ContextSection]:
    """Sections like the RAG layer sends: the person's documents plus catalog and scale guides."""
    raw = [
        ("personality_profile", "pp.summary", "Your personality at a glance",
         "You are very open to new experiences and enjoy ideas and art. You are more reserved than most "
         "people and recharge in quiet settings. You are organised and dependable."),
        ("personality_profile", "pp.strengths", "Your strengths",
         "Your strengths are curiosity, creativity and careful follow-through. People can rely on you."),
        ("career_recommendations", "cr.top", "Your top career matches",
         "Your top matches are Graphic Designer, Librarian and Research Scientist. "
         "They combine your Artistic and Investigative interests."),
        ("major_recommendations", "mr.top", "Majors that fit you",
         "Fine Arts and Biology fit your interest profile best. Biology suits your high numerical reasoning."),
        ("thinking_skills", "ts.summary", "Your thinking skills",
         "Your numerical reasoning is high, at the 82nd percentile. Your verbal reasoning is average."),
        ("catalog_job", "job.15-2041", "Research Scientist",
         "Research scientists design experiments, analyse data and publish findings."),
        ("scale_guide", "guide.openness", "Openness to experience",
         "Openness describes curiosity, imagination and a liking for variety."),
        ("scale_guide", "guide.reasoning", "Reasoning scores",
         "Reasoning scores compare how many items you solved with people of your age."),
    ]  # fmt: skip
    return [
        ContextSection(n=i + 1, document_type=t, section_id=sid, title=title, text=text)
        for i, (t, sid, title, text) in enumerate(raw)
    ]

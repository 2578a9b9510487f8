"""The three questions of issue 16 through the real engine on the embedded database: each answer
addresses the question asked (not just its topic), with the numbers it quotes cited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete

from aptichat.db.engine import session_scope
from aptichat.db.models import ChatJob
from aptichat_api.rag.fit import fit_for, person_scores
from aptichat_api.rag.items import CatalogEntry

LAWYERS = {
    "code": "23-1011.00",
    "title": "Lawyers",
    "description": "Represent clients in criminal and civil litigation and advise them on legal rights.",
    "riasec": {"R": 0.1, "I": 0.7, "A": 0.3, "S": 0.5, "E": 0.9, "C": 0.4},
    "skills": ["verbal", "logical"],
}


@pytest.fixture(scope="module")
def lawyers(engine: Engine, rag_world: dict[str, str]) -> Iterator[dict[str, Any]]:
    """O*NET's "Lawyers" in the catalog for this module (the shared test catalog has none)."""
    with session_scope(engine) as session:
        session.add(ChatJob(**LAWYERS, source="test", content_hash="0" * 64, onet_soc_code=LAWYERS["code"]))
    yield LAWYERS
    with session_scope(engine) as session:
        session.execute(delete(ChatJob).where(ChatJob.code == LAWYERS["code"]))


def _cited(result: Any) -> dict[str, str]:
    return {c.section_id: c.document_type for c in result.citations}


def test_compare_my_top_two_career_matches(chat_engine: Any, rag_world: dict[str, str]) -> None:
    result = chat_engine.answer(rag_world["engineer"], "Could you compare my top two career matches?")
    answer = result.answer
    assert result.intent == "careers"
    assert "side by side" in answer
    assert "Software Developer" in answer and "Civil Engineer" in answer
    assert not answer.startswith("Your strongest career matches")  # not the generic list
    cited = _cited(result)
    assert {"careers:15-1252.00", "careers:17-2051.00"} <= set(cited)
    # The fits are 85% and 80%: within the 5-point band, so called close, not ranked.
    assert "85%" in answer and "80%" in answer
    assert "too close to call" in answer and "fits you better" not in answer


def test_why_was_lawyer_not_recommended(
    chat_engine: Any, engine: Engine, rag_world: dict[str, str], lawyers: dict[str, Any]
) -> None:
    user_id = rag_world["nurse"]
    result = chat_engine.answer(user_id, "Why wasn't lawyer among my recommended careers?")
    answer = result.answer
    assert result.intent == "careers"
    assert answer.startswith("Your recommended careers don't include Lawyers.")
    cited = _cited(result)
    assert "careers:overview" in cited and "careers:fit:23-1011.00" in cited
    # The fit figures are the ranking rule's, computed from the person's stored scores.
    with session_scope(engine) as session:
        scores = person_scores(session, user_id)
    entry = CatalogEntry("career", LAWYERS["code"], "Lawyers", "", LAWYERS["riasec"], tuple(LAWYERS["skills"]))
    fit = fit_for(entry, scores)
    assert fit.overall is not None and fit.interest is not None and fit.skill is not None
    assert f"fit of {fit.overall}%" in answer and f"interest fit {fit.interest}%" in answer
    # ... and the interests that do not match: Enterprising is not in the nurse's code (SIA).
    assert "Enterprising" in answer and "not among your three strongest interests" in answer
    assert "is your top career match" not in answer
    # The computed fit is stored nowhere: its citation shows all of it, so every figure the answer
    # takes from it can be checked there (the list's fit range and the closing rule sentence included).
    fit_citation = next(c for c in result.citations if c.section_id == "careers:fit:23-1011.00")
    for figure in (f"fit of {fit.overall}%", f"interest fit {fit.interest}%", f"thinking-skills fit {fit.skill}%"):
        assert figure in fit_citation.snippet
    assert fit_citation.snippet.endswith(("ranked by.", "your list was ranked."))


def test_worried_not_smart_enough_for_engineering(chat_engine: Any, rag_world: dict[str, str]) -> None:
    result = chat_engine.answer(rag_world["engineer"], "I'm worried I'm not smart enough for engineering")
    answer = result.answer
    assert result.intent == "thinking_skills"
    assert not answer.startswith("Your strongest career matches")
    cited = _cited(result)
    assert {"skills:numerical", "skills:spatial", "skills:logical"} <= set(cited)
    # The engineer's thinking skills: numerical 92, spatial 90, logical 88 (high), quoted and cited.
    for name, pct in (("Numerical reasoning", "92nd"), ("Spatial reasoning", "90th"), ("Logical reasoning", "88th")):
        line = next(line for line in answer.split("\n") if line.startswith(f"- {name}"))
        assert f"{pct} percentile" in line and re.search(r"\[\d+\]$", line), line
    assert "strength to build on" in answer
    assert "dumb" not in answer.casefold() and "not smart" not in answer.casefold()


def test_next_steps_cite_the_guides_steps_and_name_the_top_match(chat_engine: Any, rag_world: dict[str, str]) -> None:
    result = chat_engine.answer(rag_world["nurse"], "what's the first thing I should do now?")
    cited = _cited(result)
    assert cited.get("guide:career_exploration_steps") == "scale_guide"
    assert "Registered Nurse (your top career match, fit 91%)" in result.answer
    assert re.search(r"Talk to people who do the work.*\[\d+\]", result.answer)


def test_weakest_skill_is_the_lowest_result(chat_engine: Any, rag_world: dict[str, str]) -> None:
    result = chat_engine.answer(rag_world["nurse"], "which of my thinking skills needs the most work?")
    assert result.answer.startswith("Your weakest thinking skill is spatial reasoning: 28th percentile, low")
    assert "skills:spatial" in _cited(result)


def test_a_worry_about_reaching_a_career_gets_its_fit_even_when_named_in_part(
    chat_engine: Any, rag_world: dict[str, str]
) -> None:
    """ "a pilot" names Airline Pilot in part: a worry about it still brings (and answers with) its fit,
    with every number cited; "out of reach" is a worry answered with the fit and the interests."""
    result = chat_engine.answer(rag_world["artist"], "do i have a chance at becoming a pilot with my scores")
    assert "careers:fit:53-2011.00" in _cited(result)
    assert "Airline Pilot would have a fit of" in result.answer and "percentile" in result.answer
    result = chat_engine.answer(rag_world["engineer"], "is medical scientist out of reach for me")
    cited = _cited(result)
    assert {"careers:fit:19-1042.00", "careers:overview", "interests:holland_code"} <= set(cited)
    assert "Your recommended careers don't include Medical Scientist" in result.answer
    assert "not among your three strongest interests" in result.answer
    assert "not that Medical Scientist is out of reach" in result.answer

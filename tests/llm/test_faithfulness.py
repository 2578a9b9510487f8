"""Faithfulness checks (issue 16): the offline composer's answers over real sections pass with no
problem at all (a gate must not reject good answers), and answers that misquote a percentile, a
level, a fit or a citation fail with the right kind and a description a model can act on."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from aptichat.documents import ChatDocument, DocumentType, example_content
from aptichat.documents.examples import example_documents
from aptichat.llm import AnswerRequest, ContextSection, OfflineComposer
from aptichat.llm.faithfulness import check_answer
from aptichat_pipelines.transform.scale_guides import all_scale_guides

composer = OfflineComposer()

# Two more people besides the documents' own example (the "nurse"), unlike it on every scale.
_PEOPLE: dict[str, dict[str, Any]] = {
    "engineer": {
        "tendencies": [("openness", 70), ("conscientiousness", 85), ("extraversion", 25), ("agreeableness", 45),
                       ("neuroticism", 40)],
        "interests": {"R": 80, "I": 88, "A": 30, "S": 20, "E": 35, "C": 60},
        "skills": [("verbal", 50), ("numerical", 92), ("spatial", 90), ("logical", 88), ("memory", 60)],
        "careers": [("15-1252.00", "Software Developer", "Your Investigative interest and strong logical reasoning"),
                    ("17-2051.00", "Civil Engineer", "Your Realistic interest and excellent spatial reasoning"),
                    ("47-2111.00", "Electrician", "You like hands-on, practical work with tools")],
        "majors": [("computer_science", "Computer Science", "Your Investigative interest and logical reasoning"),
                   ("mechanical_engineering", "Mechanical Engineering", "Your Realistic interest")],
    },
    "seller": {
        "tendencies": [("openness", 50), ("conscientiousness", 75), ("extraversion", 80), ("agreeableness", 70),
                       ("neuroticism", 30)],
        "interests": {"R": 30, "I": 25, "A": 35, "S": 75, "E": 85, "C": 65},
        "skills": [("verbal", 71), ("numerical", 29), ("spatial", 12), ("logical", 55), ("memory", 97)],
        "careers": [("13-2011.00", "Accountant", "Your Conventional interest and conscientiousness"),
                    ("41-3031.00", "Sales Representative", "Your Enterprising interest and high extraversion"),
                    ("13-1071.00", "Human Resources Specialist", "Your Social and Enterprising interests")],
        "majors": [("business_administration", "Business Administration", "Your Enterprising interest"),
                   ("accounting", "Accounting", "Your Conventional interest and conscientiousness")],
    },
}  # fmt: skip
_CATALOG = [
    ("catalog_job", "job:29-1141.00", "Registered Nurse", "Assess patients, administer care and coordinate treatment."),
    ("catalog_job", "job:23-1011.00", "Lawyer", "Advise and represent clients in legal matters."),
    ("catalog_job", "job:15-1252.00", "Software Developer", "Design and build computer applications and systems."),
    ("catalog_major", "major:psychology", "Psychology", "The scientific study of behaviour and the mind."),
    ("catalog_major", "major:biology", "Biology", "The study of living organisms and life processes."),
]
QUESTIONS: dict[str, list[str]] = {
    "personality": ["What are my strengths?", "Am I an introvert or an extravert?", "How do I handle stress?",
                    "what does my openness score mean", "am i organised"],
    "thinking_skills": ["What were my thinking skills results?", "How good is my spatial reasoning?",
                        "am i good at math", "what is my weakest skill"],
    "careers": ["Which careers suit me?", "Why nursing?", "why not lawyer", "compare my top two careers",
                "why software developer"],
    "majors": ["Which majors should I study?", "why psychology", "is computer science good for me"],
    "general_guidance": ["What should I do after school?", "give me a summary of my results",
                         "I'm worried I'm not smart enough for engineering"],
}  # fmt: skip


def _content(kind: DocumentType, spec: dict[str, Any]) -> dict[str, Any]:
    if kind is DocumentType.personality_profile:
        top = "".join(sorted(spec["interests"], key=lambda k: -spec["interests"][k])[:3])
        return {
            "tendencies": [{"scale": s, "raw_score": 3.0, "percentile": p} for s, p in spec["tendencies"]],
            "interests": {"scores": spec["interests"], "holland_code": top},
        }
    if kind is DocumentType.thinking_skills:
        return {"skills": [{"skill": s, "correct": p // 5, "total": 20, "percentile": p} for s, p in spec["skills"]]}
    key = "careers" if kind is DocumentType.career_recommendations else "majors"
    items = [
        {"rank": rank, "code": code, "title": title, "fit_score": 0.9 - rank / 20, "reasons": [reason]}
        for rank, (code, title, reason) in enumerate(spec[key], start=1)
    ]
    return {"items": items}


def _documents(person: str) -> list[ChatDocument]:
    if person == "nurse":
        return example_documents("u")
    return [
        ChatDocument.model_validate({"user_id": "u", "document_type": kind, "content": _content(kind, _PEOPLE[person])})
        for kind in DocumentType
    ]


def _pool(person: str) -> list[tuple[str, str, str, str]]:
    """Every section this person's answers could be built from: own documents, scale guides, catalog."""
    own = [(d.document_type.value, s.section_id, s.title, s.text) for d in _documents(person) for s in d.sections()]
    guides = [("scale_guide", g.guide_id, g.title, g.text) for g in all_scale_guides()]
    return own + guides + _CATALOG


def _numbered(chosen: list[tuple[str, str, str, str]], collapse: bool) -> list[ContextSection]:
    return [
        ContextSection(
            n=n, document_type=t, section_id=sid, title=title, text=re.sub(r"\s+", " ", text) if collapse else text
        )
        for n, (t, sid, title, text) in enumerate(chosen, start=1)
    ]


def _sample(person: str, intent: str, rng: random.Random) -> list[ContextSection]:
    """2-8 sections as retrieval might send them: mostly the intent's own documents, some background."""
    pool = _pool(person)
    kind = {"thinking_skills": "thinking_skills", "careers": "career", "majors": "major"}.get(intent, "personality")
    own = [s for s in pool if kind in s[0] or intent == "general_guidance"]
    chosen = rng.sample(own, min(len(own), rng.randint(1, 6))) + rng.sample(pool, 2)
    unique = list({s[1]: s for s in chosen}.values())
    return _numbered(unique, collapse=rng.random() < 0.5)


@pytest.mark.parametrize("person", ["nurse", "engineer", "seller"])
@pytest.mark.parametrize("intent", list(QUESTIONS))
def test_composer_answers_over_real_sections_have_no_problems(person: str, intent: str) -> None:
    rng = random.Random(f"{person}:{intent}")
    checked = [0, 0, 0]
    for question in QUESTIONS[intent]:
        for _ in range(6):
            sections = _sample(person, intent, rng)
            for max_chars in (1800, 600):
                request = AnswerRequest(question=question, intent=intent, sections=sections, max_chars=max_chars)  # type: ignore[arg-type]
                answer = composer.generate(request)
                report = check_answer(answer.text, sections)
                assert report.ok, f"{question!r}:\n{answer.text}\n{report.problems}"
                checked = [a + b for a, b in zip(checked, [report.numbers_checked, report.levels_checked,
                                                            report.citations_checked], strict=True)]  # fmt: skip
    numbers, levels, citations = checked
    assert citations > 20 and (numbers > 10 or intent == "general_guidance")  # the check really ran
    if intent in ("personality", "thinking_skills"):
        assert levels > 5


def _sections(ids: list[str]) -> list[ContextSection]:
    by_id = {s.section_id: (d.document_type.value, s) for d in example_documents("u") for s in d.sections()}
    return _numbered([(by_id[i][0], i, by_id[i][1].title, by_id[i][1].text) for i in ids], collapse=True)


PERSONAL = ["personality:overview", "personality:openness", "skills:spatial"]
CAREERS = ["careers:overview", "careers:29-1141.00", "careers:19-1042.00"]


@pytest.mark.parametrize(
    ("ids", "answer", "kind", "description"),
    [
        (PERSONAL, "Your openness to experience is at the 91st percentile [2].", "unsupported_number",
         "You wrote the 91st percentile for Openness to experience, but section [2] says 82nd."),
        (PERSONAL, "- Openness to experience (high, 91st percentile): you like new ideas. [2]", "unsupported_number",
         "section [2] says 82nd"),
        (PERSONAL, "You scored at the 28th percentile in openness [2].", "unsupported_number", "says 82nd"),
        (PERSONAL, "You answered 10 of 20 spatial items correctly [3].", "unsupported_number", '"10 of 20"'),
        (PERSONAL, "Your openness is 82% [2], and you answered 19/20 spatial items [3].", "unsupported_number",
         '"19/20"'),
        (PERSONAL, "You are curious and open to new ideas, at the 82nd percentile.", "unsupported_number",
         "any cited section"),
        (PERSONAL, "Your openness to experience score is low [2].", "wrong_level",
         'You called Openness to experience "low", but section [2] says it is high.'),
        (PERSONAL, "You have very low agreeableness, which suits debate [1].", "wrong_level", "says it is high"),
        (PERSONAL, "Spatial reasoning: above average. Keep going [3].", "wrong_level", "says it is low"),
        (PERSONAL, "You scored high on spatial reasoning [3].", "wrong_level", "says it is low"),
        (PERSONAL, "You are drawn to new ideas and art [9].", "dangling_citation",
         "You cited [9], but there is no section [9] (the sections are [1], [2], [3])."),
        (PERSONAL, "Registered Nurse is your top career match [3].", "unsupported_citation",
         'but section [3] ("Spatial reasoning") does not say that'),
        (CAREERS, "Your spatial reasoning is an area with room to grow [2].", "unsupported_citation",
         'section [2] ("Registered Nurse")'),
        (CAREERS, "Registered Nurse (fit 84%) is your best match [1].", "unsupported_number",
         "You wrote a fit of 84% for Registered Nurse, but section [1] says 91%."),
        (CAREERS, "Medical Scientist is your 2nd career match, with a fit of 91% [3].", "unsupported_number",
         "says 84%"),
    ],
)  # fmt: skip
def test_wrong_answers_fail_with_the_right_kind(ids: list[str], answer: str, kind: str, description: str) -> None:
    report = check_answer(answer, _sections(ids))
    assert report.kinds() == [kind], report.problems
    assert description in report.problems[0].description
    assert report.problems[0].description in report.feedback()


@pytest.mark.parametrize(
    ("ids", "answer"),
    [
        # Figures as an LLM may restate them: same value, another form.
        (PERSONAL, "Your openness is high: you scored higher than about 82% of test takers [2]."),
        (PERSONAL, "Your openness (82nd percentile) and spatial reasoning (28th percentile) differ [2][3]."),
        (PERSONAL, "Spatial reasoning is below average for you, at 9/20 [3]."),
        (PERSONAL, "Your spatial reasoning is low [3], while your openness to experience is very high [2]."),
        (CAREERS, "Registered Nurse is your best match with a fit of 0.91 [1]."),
        (CAREERS, "Your top 3 matches are Registered Nurse, Medical Scientist and two more [1]."),
        (CAREERS, "Here are 2 careers to look at:\n1. Registered Nurse (fit 91%) [1]\n2. Medical Scientist [3]"),
        # A short quote of the section is support enough; so is naming the career it is about.
        (CAREERS, "- Registered Nurse: Your high agreeableness fits patient-centred work. [2]"),
        (CAREERS, "Nursing could suit you well [2, 1]."),
        # Nothing cited, nothing claimed.
        (CAREERS, "Hi! What would you like to know about your results?"),
    ],
)  # fmt: skip
def test_faithful_restatements_pass(ids: list[str], answer: str) -> None:
    report = check_answer(answer, _sections(ids))
    assert report.ok, report.problems


def test_a_number_is_checked_against_the_sections_its_sentence_cites() -> None:
    # 88th is agreeableness's percentile in the overview's document, but this sentence cites the
    # openness section: a sentence's citations are its evidence.
    sections = _sections(["personality:openness", "personality:agreeableness"])
    assert check_answer("Your openness is around the 88th percentile [1].", sections).kinds() == ["unsupported_number"]
    assert check_answer("Your agreeableness is around the 88th percentile [2].", sections).ok
    # An uncited sentence may use any section the answer cites.
    assert check_answer("You are warm and considerate [2]. That is around the 88th percentile.", sections).ok


def test_example_content_is_what_the_documents_render() -> None:
    # The rules above are written against this wording; if the documents change, so must they.
    text = " ".join(s.text for d in example_documents("u") for s in d.sections())
    assert "score is high, around the 82nd percentile" in text
    assert "around the 84th percentile (higher than about 84% of test takers), which is high" in text
    assert "Openness to experience: high;" in text and "Numerical reasoning: high (17/20)" in text
    assert "1. Registered Nurse (fit 91%)" in text and "with a fit of 91%" in text
    assert example_content(DocumentType.thinking_skills)["skills"][1]["percentile"] == 84

"""Fairness of answers: the same person asking the same question as a girl or a boy, about a sister
or a brother, as Maria, Mohammed or John, with she, he or they, gets the same answer.

Every case below is one question with its identity words swapped. Each variant is asked of the same
person through the real ChatEngine (the offline composer, the local embedder, the embedded
PostgreSQL), each in a new conversation. The cited sections must be identical, and so must the
answer text once the swapped words are normalised: an answer may echo the question's own words, so
every word of the case's whole swap family is replaced by one placeholder in every variant's answer
(both ways). An answer must never use a swapped word its own question did not (the boy's answer
does not say "girl"). Then people whose documents are identical but whose profile rows say different
names and genders (display name, background) must get identical answers, word for word.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from aptichat.db.engine import session_scope
from aptichat.db.repository import ChunkInput, DocumentRepository, write_documents
from aptichat.documents import ChatDocument

GIRL_BOY = [{"x": "girl"}, {"x": "boy"}]
WOMAN_MAN = [{"x": "woman"}, {"x": "man"}]
FEMALE_MALE = [{"x": "female"}, {"x": "male"}]
SISTER_BROTHER = [{"x": "sister"}, {"x": "brother"}]
MOTHER_FATHER = [{"x": "mother"}, {"x": "father"}]
MUM_DAD = [{"x": "mum"}, {"x": "dad"}]
AUNT_UNCLE = [{"x": "aunt"}, {"x": "uncle"}]
NAMES = [{"x": "Maria"}, {"x": "Mohammed"}, {"x": "John"}]
FULL_NAMES = [{"x": "Maria García"}, {"x": "Mohammed Al-Rashid"}, {"x": "John Smith"}, {"x": "Aiyana Nguyen"}]
PRONOUNS = [
    {"p": "she", "o": "her", "s": "her"},
    {"p": "he", "o": "him", "s": "his"},
    {"p": "they", "o": "them", "s": "their"},
]
SELF = [
    {"x": "girl", "p": "she", "o": "her"},
    {"x": "boy", "p": "he", "o": "him"},
    {"x": "non-binary teen", "p": "they", "o": "them"},
]


# Pronouns are ordinary words of the answers' own prose ("how they fit or move in space"), so an answer
# using one its question did not is no sign of anything; the normalised comparison still covers them.
ORDINARY_WORDS = {"she", "he", "they", "her", "him", "his", "them", "their"}


@dataclass(frozen=True)
class Case:
    person: str  # a name from the rag_world fixture
    template: str  # {x}, {p}, {o}, {s} are the swapped words
    variants: list[dict[str, str]]

    def questions(self) -> list[str]:
        return [self.template.format(**v) for v in self.variants]

    def words(self, variant: dict[str, str]) -> set[str]:
        return {w.lower() for value in variant.values() for w in re.findall(r"[\w'-]+", value)}

    @property
    def family(self) -> set[str]:
        return set().union(*(self.words(v) for v in self.variants))


CASES = [
    # careers
    Case("engineer", "As a {x}, which careers fit me?", GIRL_BOY),
    Case("nurse", "As a {x}, which careers fit me best?", GIRL_BOY),
    Case("artist", "I'm a {x} in year 12, what jobs would suit me?", GIRL_BOY),
    Case("nurse", "My {x} says I should be a nurse, do I fit?", SISTER_BROTHER),
    Case("engineer", "My {x} says I should be a nurse, do I fit?", SISTER_BROTHER),
    Case("engineer", "Is engineering a good career for a {x} like me?", WOMAN_MAN),
    Case("engineer", "My {x} wants me to become a software developer. Why is it on my list?", MOTHER_FATHER),
    Case("artist", "Why wasn't lawyer among my recommended careers? My {x} is a lawyer.", AUNT_UNCLE),
    Case("noskills", "Could you compare my top two career matches? {x} here.", NAMES),
    Case("nurse", "My teacher said {p} thought I would make a good counsellor, what do my results say?", PRONOUNS),
    Case("engineer", "Hi, I'm {x}. Which careers are my best matches?", FULL_NAMES),
    # majors
    Case("engineer", "As a {x} student, which majors should I study?", FEMALE_MALE),
    Case("nurse", "My {x} thinks I should study nursing, is that a good fit for me?", MUM_DAD),
    Case("artist", "Hi, I'm {x}. What should I major in at university?", NAMES),
    Case("noskills", "As a {x}, would business administration suit me?", GIRL_BOY),
    Case("engineer", "My counsellor told me {p} would choose computer science for me, why?", PRONOUNS),
    # personality
    Case("artist", "As a {x}, what are my strongest personality traits?", GIRL_BOY),
    Case("engineer", "My {x} says I'm too shy. Am I introverted according to my results?", SISTER_BROTHER),
    Case("nurse", "I'm {x}, what does my Holland code SIA mean?", NAMES),
    Case("noskills", "My friend told me {p} found me very organised. How conscientious am I?", PRONOUNS),
    Case("artist", "As a {x} who uses {p}/{o} pronouns, what are my interests?", SELF),
    # thinking skills
    Case("engineer", "As a {x}, how good am I at maths?", GIRL_BOY),
    Case("nurse", "I'm worried I'm not smart enough for engineering as a {x}. What do my skills say?", GIRL_BOY),
    Case("artist", "My {x} says I'm bad with numbers. How strong is my numerical reasoning?", MOTHER_FATHER),
    Case("engineer", "{x} here: what are my thinking skills strengths?", NAMES),
    Case("nurse", "My tutor said {p} was impressed by my memory. How did I do on memory?", PRONOUNS),
    Case("noskills", "As a {x}, how strong is my logical reasoning?", WOMAN_MAN),
]


def _normalise(text: str, family: set[str]) -> str:
    if not family:
        return text
    pattern = "|".join(re.escape(w) for w in sorted(family, key=len, reverse=True))
    return re.sub(rf"(?<![\w-])(?:{pattern})(?![\w-])", "<swap>", text, flags=re.IGNORECASE)


def _mentions(text: str, words: set[str]) -> set[str]:
    found = {w.lower() for w in re.findall(r"[\w'-]+", text)}
    return {w for w in words if w in found}


def _observed(result: Any, family: set[str]) -> dict[str, Any]:
    return {
        "intent": result.intent,
        "provider": result.provider,
        "degraded": result.degraded_cause,
        "citations": [
            (c.n, c.document_type, c.section_id, c.title, _normalise(c.snippet, family)) for c in result.citations
        ],
        "answer": _normalise(result.answer, family),
    }


def test_there_are_enough_cases() -> None:
    """At least 20 swapped pairs or triples, across careers, majors, personality and thinking skills."""
    assert len(CASES) >= 20
    assert {c.person for c in CASES} == {"engineer", "nurse", "artist", "noskills"}
    assert all(len(set(c.questions())) == len(c.variants) >= 2 for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.template.format(**c.variants[0])[:60])
def test_swapped_identity_words_give_the_same_answer(case: Case, chat_engine: Any, rag_world: dict[str, str]) -> None:
    user = rag_world[case.person]
    family = case.family
    observed = []
    for variant, question in zip(case.variants, case.questions(), strict=True):
        result = chat_engine.answer(user, question)
        foreign = _mentions(result.answer, family - case.words(variant) - ORDINARY_WORDS)
        assert not foreign, (
            f"{question!r}: the answer uses {sorted(foreign)}, words its question did not\n{result.answer}"
        )
        observed.append((question, _observed(result, family)))
    first_question, expected = observed[0]
    assert expected["citations"], f"{first_question!r} was answered without citations"
    problems = [_difference(first_question, expected, question, got) for question, got in observed[1:]]
    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)


def _difference(question_a: str, a: dict[str, Any], question_b: str, b: dict[str, Any]) -> str:
    """'' when the two normalised answers agree, else what differs, for the report."""
    if a == b:
        return ""
    lines = [f"{question_a!r} vs {question_b!r}:"]
    if a["intent"] != b["intent"]:
        lines.append(f"  intent {a['intent']} vs {b['intent']}")
    sections_a = [c[2] for c in a["citations"]]
    sections_b = [c[2] for c in b["citations"]]
    if set(sections_a) != set(sections_b):
        lines.append(
            f"  cited sections {sorted(set(sections_a) - set(sections_b))} only in the first, "
            f"{sorted(set(sections_b) - set(sections_a))} only in the second"
        )
    elif sections_a != sections_b:
        lines.append(f"  same sections, different order/numbering: {sections_a} vs {sections_b}")
    if a["answer"] != b["answer"]:
        diff = difflib.unified_diff(a["answer"].splitlines(), b["answer"].splitlines(), lineterm="", n=0)
        lines.append("  answer text differs:\n    " + "\n    ".join(list(diff)[2:]))
    for key in ("provider", "degraded"):
        if a[key] != b[key]:
            lines.append(f"  {key} {a[key]} vs {b[key]}")
    return "\n".join(lines)


PROFILES = [
    ("Maria García", {"gender": "female", "pronouns": "she/her", "age": 17, "school": "St. Mary's School for Girls"}),
    ("Mohammed Al-Rashid", {"gender": "male", "pronouns": "he/him", "age": 17, "school": "King Fahd Boys' Academy"}),
    ("John Smith", {"gender": "male", "pronouns": "he/him", "age": 18, "school": "Eton College"}),
    ("Alex Nguyen", {"gender": "non-binary", "pronouns": "they/them", "age": 16, "school": "Riverside School"}),
]
PROFILE_QUESTIONS = [
    "Which careers fit me?",
    "Which majors should I study?",
    "What are my strongest personality traits?",
    "How good am I at maths?",
    "Why is Registered Nurse on my list?",
    "Could you compare my top two career matches?",
    "I'm worried I'm not smart enough for engineering",
    "What should I do next?",
]


@pytest.fixture(scope="module")
def profile_clones(engine: Engine, rag_embedder: Any, rag_world: dict[str, str]) -> dict[str, list[str]]:
    """For two rag_world people, clones with the same documents and gaps under different names."""
    clones: dict[str, list[str]] = {}
    for source in ("nurse", "engineer"):
        with session_scope(engine) as session:
            repo = DocumentRepository(session)
            documents = repo.current_documents(rag_world[source])
            gaps = repo.document_gaps(rag_world[source])
        for k, (display_name, background) in enumerate(PROFILES):
            user_id = f"rag-fair-{source}-{k}"
            items = []
            for doc in documents:
                copy = ChatDocument(user_id=user_id, document_type=doc.document_type, content=doc.content)
                sections = copy.sections()
                vectors = rag_embedder.embed_documents([s.text for s in sections], [s.title for s in sections])
                chunks = [
                    ChunkInput(i, s.section_id, s.title, s.text, vectors[i], rag_embedder.model)
                    for i, s in enumerate(sections)
                ]
                items.append((copy, chunks))
            write_documents(user_id, items, gaps=gaps, engine=engine)
            with session_scope(engine) as session:
                DocumentRepository(session).ensure_user(user_id, background=background, display_name=display_name)
            clones.setdefault(source, []).append(user_id)
    return clones


@pytest.mark.parametrize("source", ["nurse", "engineer"])
def test_names_and_genders_in_the_profile_do_not_change_answers(
    source: str, chat_engine: Any, profile_clones: dict[str, list[str]]
) -> None:
    """Same documents, different name/gender/pronouns/age/school on the person's row: same answers."""
    for question in PROFILE_QUESTIONS:
        observed = [(user, _observed(chat_engine.answer(user, question), set())) for user in profile_clones[source]]
        first_user, expected = observed[0]
        problems = [_difference(first_user, expected, user, got) for user, got in observed[1:]]
        problems = [p for p in problems if p]
        assert not problems, f"{question!r}, same documents:\n" + "\n\n".join(problems)

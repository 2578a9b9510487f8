"""Question understanding without a database: named careers and majors (typos, plurals, short forms,
partial titles), question types, multi-part splitting, and the fit rule of the recommendations."""

from __future__ import annotations

import math
import re

import pytest

from aptichat.intents import Intent
from aptichat_api.rag.fit import PersonScores, fit_for, fit_text
from aptichat_api.rag.items import Candidate, CatalogEntry, resolve_items
from aptichat_api.rag.understanding import (
    COMPARE,
    GENERAL,
    MULTI_PART,
    NEXT_STEPS,
    SPECIFIC_SCALE,
    WHY,
    WHY_NOT,
    WORRY,
    named_scales,
    understand,
)

CATALOG = [
    Candidate.of("career", "23-1011.00", "Lawyers"),
    Candidate.of("career", "29-1141.00", "Registered Nurses"),
    Candidate.of("career", "53-2011.00", "Airline Pilots, Copilots, and Flight Engineers"),
    Candidate.of("career", "15-1252.00", "Software Developers"),
    Candidate.of("career", "17-2051.00", "Civil Engineers"),
    Candidate.of("career", "19-1042.00", "Medical Scientists, Except Epidemiologists"),
    Candidate.of("career", "17-1011.00", "Architects, Except Landscape and Naval"),
    Candidate.of("career", "11-2021.00", "Marketing Managers"),
    Candidate.of("major", "51.3801", "Nursing"),
    Candidate.of("major", "42.0101", "Psychology"),
    Candidate.of("major", "11.0701", "Computer Science"),
    Candidate.of("major", "14.1901", "Mechanical Engineering"),
]
MINE = [
    Candidate.of("career", "29-1141.00", "Registered Nurse", 1, "careers:29-1141.00"),
    Candidate.of("career", "19-1042.00", "Medical Scientist", 2, "careers:19-1042.00"),
]


def _titles(question: str, candidates: list[Candidate] = CATALOG, prefer: str | None = "career") -> list[str]:
    return [m.candidate.title for m in resolve_items(question, candidates, prefer=prefer)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("why wasn't lawyer among my recommended careers?", ["Lawyers"]),  # plural title
        ("what about lawyers", ["Lawyers"]),
        ("is nursing a good job for me", ["Registered Nurses"]),  # word form, careers preferred by default
        ("compare mech engineering and comp sci", ["Mechanical Engineering", "Computer Science"]),  # short forms
        ("software dev vs civil engineer", ["Software Developers", "Civil Engineers"]),
        ("psycology or nursing", ["Psychology", "Registered Nurses"]),  # typo; careers preferred
        ("why is there no architect in my list", ["Architects, Except Landscape and Naval"]),  # head of an O*NET title
        ("how come pilot isnt on my list", ["Airline Pilots, Copilots, and Flight Engineers"]),  # partial, head noun
        ("which carers fit me best", []),  # a typo of "careers" names no career
        ("i want something medical", []),  # an adjective alone is not a catalog title
        ("what is my openness score", []),
    ],
)
def test_named_items_are_resolved_against_the_catalog(question: str, expected: list[str]) -> None:
    assert _titles(question) == expected


def test_the_persons_own_list_wins_and_the_preferred_kind_breaks_ties() -> None:
    # "nursing" names the person's recommended career before any catalog entry.
    assert _titles("why nursing?", [*MINE, *CATALOG]) == ["Registered Nurse"]
    # ... and a partial title of their own list counts even without its head noun.
    assert _titles("something medical maybe", [*MINE, *CATALOG]) == ["Medical Scientist"]
    assert _titles("should i study nursing", CATALOG, prefer="major") == ["Nursing"]
    assert _titles("psycology or nursing", CATALOG, prefer="major") == ["Psychology", "Nursing"]


@pytest.mark.parametrize(
    ("question", "kind", "intent"),
    [
        ("Could you compare my top two career matches?", COMPARE, Intent.CAREERS),
        ("Why wasn't lawyer among my recommended careers?", WHY_NOT, Intent.CAREERS),
        ("I'm worried I'm not smart enough for engineering", WORRY, Intent.THINKING_SKILLS),
        ("registered nurse or airline pilot, which one?", COMPARE, Intent.CAREERS),
        ("why nursing", WHY, Intent.CAREERS),
        ("why not an astronaut?", WHY_NOT, Intent.CAREERS),  # unknown name: still a why-not
        ("so what now, what should i do next", NEXT_STEPS, Intent.GENERAL_GUIDANCE),
        ("what does my openness score mean", SPECIFIC_SCALE, Intent.PERSONALITY),
        ("how did I do in spatial", SPECIFIC_SCALE, Intent.THINKING_SKILLS),
        ("I'm too shy to ever lead a team, right?", WORRY, Intent.PERSONALITY),
        ("tell me something nice", GENERAL, None),
    ],
)
def test_question_types(question: str, kind: str, intent: Intent | None) -> None:
    u = understand(question, CATALOG)
    assert (u.question_type, u.intent) == (kind, intent)


def test_why_not_keeps_the_unknown_name_and_top_two_is_a_comparison() -> None:
    assert understand("why not an astronaut?", CATALOG).unresolved == ["astronaut"]
    u = understand("Could you compare my top two career matches?", CATALOG)
    assert u.top_two and not u.items  # the engine fills in ranks 1 and 2 from the person's list


def test_multi_part_questions_are_split_and_each_part_has_its_topic() -> None:
    u = understand("1) why nursing 2) what major should i take for it", [*MINE, *CATALOG])
    assert u.question_type == MULTI_PART
    assert [(p.text, p.intent) for p in u.parts] == [
        ("why nursing", Intent.CAREERS),
        ("what major should i take for it", Intent.MAJORS),
    ]
    u = understand("what's my Holland code, and which major fits it best?", CATALOG)
    assert [p.intent for p in u.parts] == [Intent.PERSONALITY, Intent.MAJORS]
    # A second sentence with no topic of its own is not a second question.
    assert understand("why nursing? that was a surprise", [*MINE, *CATALOG]).question_type == WHY
    # Like is compared with like: "nursing" is the major when psychology can only be one.
    u = understand("nursing vs psychology, which one is better for me", [*MINE, *CATALOG])
    assert [m.candidate.title for m in u.items] == ["Nursing", "Psychology"] and u.intent == Intent.MAJORS
    # Two named items with "or" is one comparison, not two questions.
    assert understand("software dev or civil engineer, which suits my personality", CATALOG).question_type == COMPARE


def test_scales_are_named_in_question_order_and_holland_codes_only_in_capitals() -> None:
    assert named_scales("compare my numerical and verbal scores") == ["skills:numerical", "skills:verbal"]
    assert named_scales("what does RIC mean") == ["interests:holland_code"]
    assert named_scales("I like to sea the ace") == []  # lower-case words made of RIASEC letters


def test_fit_follows_the_recommendation_ranking_rule() -> None:
    scores = PersonScores(
        interests={"R": 20, "I": 70, "A": 60, "S": 85, "E": 40, "C": 30},
        skills={"verbal": 80, "logical": 60, "numerical": 50},
    )
    riasec = {"R": 0.1, "I": 0.7, "A": 0.3, "S": 0.5, "E": 0.9, "C": 0.4}
    entry = CatalogEntry("career", "23-1011.00", "Lawyers", "", riasec, ("verbal", "logical"))
    fit = fit_for(entry, scores)
    xs, ys = [20, 70, 60, 85, 40, 30], [0.1, 0.7, 0.3, 0.5, 0.9, 0.4]
    mx, my = sum(xs) / 6, sum(ys) / 6
    r = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(
        sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)
    )
    # decision 0010: r counts by how differentiated the career's profile is (w = 0.5 for careers)
    spread = math.sqrt(sum((y - my) ** 2 for y in ys)) / math.sqrt(sum(y * y for y in ys))
    interest, skill = (1 + r * (0.5 + 0.5 * spread)) / 2, (80 + 60) / 2 / 100
    assert fit.interest == round(interest * 100) and fit.skill == 70
    assert fit.overall == round((0.7 * interest + 0.3 * skill) * 100)
    assert fit.leans_on == ["E", "I", "S"] and fit.matching == ["I", "S"] and fit.not_matching == ["E"]
    text = fit_text(entry, fit, scores, {"Registered Nurse": 91, "Medical Scientist": 84})
    assert f"Lawyers would have a fit of {fit.overall}% for you (interest fit {fit.interest}%, " in text
    assert "Your interest scores there, out of 100: Enterprising 40, Investigative 70 and Social 85." in text
    assert "Enterprising is not among your three strongest interests (your Holland code is SIA)." in text
    assert "The careers on your list have fits from 84% to 91%." in text
    # Without thinking skills the interest fit alone decides, as in the SQL.
    alone = fit_for(entry, PersonScores(interests=scores.interests))
    assert alone.skill is None and alone.overall == alone.interest


def test_two_ranks_named_by_ordinal_are_compared() -> None:
    from aptichat_api.rag.understanding import ranks_named

    assert ranks_named("whats the diffrence between my 1st and 3rd career") == [1, 3]
    assert ranks_named("second vs third major?") == [2, 3]
    assert ranks_named("my first job") == [] and ranks_named("first and first") == []
    u = understand("whats the diffrence between my 1st and 3rd career", [])
    assert u.question_type == COMPARE and u.ranks == [1, 3] and u.intent is Intent.CAREERS


@pytest.mark.parametrize(
    "question",
    [
        "what's the first thing I should do after this?",
        "how should i decide what to do next",
        "what do I do with my results",
        "what steps should i take now",
        "my next move?",
    ],
)
def test_next_steps_are_recognised_in_everyday_wording(question: str) -> None:
    assert understand(question, CATALOG).question_type == NEXT_STEPS


def test_study_questions_and_percentile_questions_are_marked() -> None:
    assert understand("what now, i have to pick a uni course soon", CATALOG).studying
    assert not understand("what should i do next", CATALOG).studying
    assert understand("is 70th percentile the same as 70% right?", CATALOG).percentiles


def test_a_common_word_two_letters_off_is_no_typo_of_a_title() -> None:
    # "since" is not "science" (two letters apart in a short word); a real typo in a long word still is
    assert _titles("since nothing stands out, what next", CATALOG) == []
    assert _titles("is computer sciense good for me", CATALOG, prefer="major") == ["Computer Science"]


def test_strongest_and_weakest_questions_name_what_they_rank() -> None:
    from aptichat.llm.offline_questions import superlative

    assert superlative("which thinking skill is my best one") == ("strongest", "skills:", "thinking skill")
    assert superlative("which of my skills needs the most work") == ("weakest", "skills:", "thinking skill")
    assert superlative("my strongest and weakest skills?") == ("both", "skills:", "thinking skill")
    assert superlative("which of my interests is highest")[:2] == ("strongest", "interests:")  # type: ignore[index]
    assert superlative("what's my top career") is None  # a career list is ranked already
    # each part of a multi-part question keeps the scales it names
    u = understand("what is my openness score, and which career suits it?", CATALOG)
    assert u.question_type == MULTI_PART
    assert [p.scales for p in u.parts] == [["personality:openness"], []]


def test_a_career_and_a_degree_named_as_such_are_compared_across_kinds() -> None:
    own = [*MINE, Candidate.of("major", "nursing", "Nursing", 1, "majors:nursing")]
    u = understand("compare the registered nurse career and the nursing degree", [*own, *CATALOG])
    assert u.question_type == COMPARE
    assert [(m.candidate.kind, m.candidate.title) for m in u.items] == [
        ("career", "Registered Nurse"),
        ("major", "Nursing"),
    ]
    # a word that names one title exactly leaves its look-alike free for the other; repeats still count
    u = understand("why is engineer not on my list? my dad is an engineer", CATALOG)
    assert [m.candidate.title for m in u.items] == ["Civil Engineers"]


def test_quoted_figures_are_not_numerical_reasoning() -> None:
    assert named_scales("my holland code is SIE but the numbers are like 55 53 52") == ["interests:holland_code"]
    assert named_scales("im terrible at numbers") == ["skills:numerical"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("lawyer wasn't recommended, why?", WHY_NOT),
        ("where is lawyer in my careers", WHY_NOT),
        ("i expected architect to show up but it didn't", WHY_NOT),
        ("what stops me from being a pilot according to this", WORRY),
        ("is it realistic for me to become a lawyer with my scores", WORRY),
        ("how do i get started on becoming a nurse", NEXT_STEPS),
        ("what would you recommend i do first", NEXT_STEPS),
    ],
)
def test_question_types_in_wording_without_the_usual_keywords(question: str, kind: str) -> None:
    assert understand(question, [*MINE, *CATALOG]).question_type == kind


def test_an_unknown_name_after_not_get_or_expected_is_kept() -> None:
    assert understand("why'd i not get doctor on my list", CATALOG).unresolved == ["doctor"]
    assert understand("i expected astronaut to show up", CATALOG).unresolved == ["astronaut"]
    assert understand("I expected more from my results", CATALOG).unresolved == []


def test_a_name_before_wasnt_recommended_is_kept() -> None:
    u = understand("astronaut wasn't recommended, why?", CATALOG)
    assert u.question_type == WHY_NOT and u.unresolved == ["astronaut"]
    assert understand("my results weren't there", CATALOG).unresolved == []


def test_fit_shows_skill_percentiles_as_the_thinking_skills_document_rounds_them() -> None:
    """A stored percentile of 66.6 is "around the 67th percentile" in the person's report: the fit
    section (and so a why-not answer) says 67, never 66.6, and every figure it shows is one the
    report states."""
    from aptichat.documents import ChatDocument, DocumentType

    percentiles = {"verbal": 66.6, "numerical": 99.6, "spatial": 0.4, "logical": 50.5}
    scores = PersonScores(interests={"R": 20, "I": 70, "A": 60, "S": 85, "E": 40, "C": 30}, skills=percentiles)
    riasec = {"R": 0.1, "I": 0.7, "A": 0.3, "S": 0.5, "E": 0.9, "C": 0.4}
    entry = CatalogEntry("career", "23-1011.00", "Lawyers", "", riasec, ("verbal", "numerical", "spatial", "logical"))
    text = fit_text(entry, fit_for(entry, scores), scores)
    drawn = re.search(r"Thinking skills it draws on, your percentiles: (.*?)\.(?!\d)", text)
    assert drawn is not None and "." not in drawn.group(1), text
    skills = percentiles.items()
    report = ChatDocument.model_validate(
        {
            "user_id": "u",
            "document_type": DocumentType.thinking_skills,
            "content": {"skills": [{"skill": s, "correct": 10, "total": 20, "percentile": p} for s, p in skills]},
        }
    )
    stated = set(re.findall(r"\d+", " ".join(s.text for s in report.content.sections())))
    assert set(re.findall(r"\d+", drawn.group(1))) <= stated
    assert "Verbal reasoning 67" in drawn.group(1) and "Numerical reasoning 99" in drawn.group(1)


STARTER_LIKE = [
    *CATALOG,
    Candidate.of("major", "major-mathematics", "Mathematics"),
    Candidate.of("major", "major-social-work", "Social work"),
    Candidate.of("career", "social-worker", "Social worker"),
]


@pytest.mark.parametrize(
    ("question", "scale"),
    [
        ("my dad says im bad at maths, should i skip engineering", "skills:numerical"),
        ("how did i do in maths", "skills:numerical"),
        ("im not very social, is that bad", "interests:S"),
    ],
)
def test_a_word_that_names_a_scale_is_the_scale_not_a_catalog_title(question: str, scale: str) -> None:
    """ "bad at maths" is the numerical-reasoning result, not the Mathematics major; "not very social" is
    the person's Social interest, not Social work."""
    u = understand(question, STARTER_LIKE)
    assert not [
        m.candidate.title for m in u.items if m.candidate.title in ("Mathematics", "Social work", "Social worker")
    ]
    assert scale in u.scales
    if "maths" in question and "bad" in question:
        assert (u.question_type, u.intent) == (WORRY, Intent.THINKING_SKILLS)


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("should i study maths", "Mathematics"),  # asked as study
        ("why not maths as a major", "Mathematics"),  # asked as a missing item
        ("is social worker a good job for me", "Social worker"),  # the title spelled out
    ],
)
def test_a_scale_word_asked_about_as_study_or_work_is_still_the_title(question: str, title: str) -> None:
    assert title in [m.candidate.title for m in understand(question, STARTER_LIKE).items]


@pytest.mark.parametrize(
    "question",
    [
        "is medical scientist out of reach for me",
        "do i have a chance at becoming a pilot with my scores",
        "i suck at math, can i still be a nurse",
        "my numbers r bad lol is nursing a no go",
        "im kinda shy, is nursing gonna be a disaster for me",
        "am i aiming too high with software developer",
        "could i cope with a nursing degree",
        "is it bad that my numerical is so low",
    ],
)
def test_worries_about_reaching_a_career_are_worries(question: str) -> None:
    assert understand(question, [*MINE, *CATALOG]).question_type == WORRY


@pytest.mark.parametrize(
    ("question", "title", "unresolved"),
    [
        ("what about lawyers", "Lawyers", []),
        ("so what about being an architect?", "Architects, Except Landscape and Naval", []),
        ("no psychology major for me??", "Psychology", []),
        ("i thought id get software developer", "Software Developers", []),
        ("whys there no marketing manager in my careers", "Marketing Managers", []),
        ("how come no vets", None, ["vets"]),
        ("y not astronaut", None, ["astronaut"]),
        ("whys there no doctor in my careers", None, ["doctor"]),
        ("so no astronaut jobs for me?", None, ["astronaut"]),
        ("wait, no lawyer?", "Lawyers", []),
        ("hmm no astronaut??", None, ["astronaut"]),
    ],
)
def test_why_not_in_everyday_wording(question: str, title: str | None, unresolved: list[str]) -> None:
    """ "what about X", "X isn't there?", "no X for me", "i thought i'd get X", "how come no X": a
    why-not, for a catalog title or an unknown name (kept as typed)."""
    u = understand(question, [*MINE, *CATALOG])
    assert u.question_type == WHY_NOT
    assert [m.candidate.title for m in u.items] == ([title] if title else [])
    assert u.unresolved == unresolved


@pytest.mark.parametrize(
    "question",
    ["what about my personality", "what about something creative", "what about personality", "no thanks", "no idea?"],
)
def test_what_about_a_topic_is_no_why_not(question: str) -> None:
    u = understand(question, [*MINE, *CATALOG])
    assert u.question_type != WHY_NOT and u.unresolved == []


def test_realistic_said_of_a_plan_is_not_the_realistic_interest() -> None:
    assert named_scales("is it even realistic for me to become a nurse") == []
    assert named_scales("is nursing realistic for me") == []
    assert named_scales("my realistic score is low, why") == ["interests:R"]
    assert named_scales("am i more realistic or investigative") == ["interests:R", "interests:I"]


def test_vet_is_the_short_form_of_veterinarian() -> None:
    vets = Candidate.of("career", "29-1131.00", "Veterinarians")
    assert _titles("how come no vets", [*CATALOG, vets]) == ["Veterinarians"]
    assert _titles("why not vet? i love animals", [*CATALOG, vets]) == ["Veterinarians"]


def test_no_worries_is_no_worry() -> None:
    assert understand("ok no worries", [*MINE, *CATALOG]).question_type == GENERAL

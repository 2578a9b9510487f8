"""Content models: valid inputs render every section, real mistakes are refused naming the field."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from aptichat.documents import (
    CONTENT_MODELS,
    ChatDocument,
    DocumentType,
    InterestProfile,
    PersonalityProfile,
    Section,
    ThinkingSkills,
    example_content,
    example_document,
    holland_code_for,
)
from aptichat.scales import RIASEC_LETTERS

P, T, C, M = (
    DocumentType.personality_profile,
    DocumentType.thinking_skills,
    DocumentType.career_recommendations,
    DocumentType.major_recommendations,
)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets a dotted path ("items.0.rank") in a content payload."""

    def mutate(payload: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = payload
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return mutate


_DELETE = object()


def _swap_first_two(key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(payload: dict[str, Any]) -> None:
        items = payload[key]
        items[0], items[1] = items[1], items[0]

    return mutate


def _duplicate_first(key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(payload: dict[str, Any]) -> None:
        payload[key].append(copy.deepcopy(payload[key][0]))

    return mutate


MISTAKES: list[tuple[str, DocumentType, Callable[[dict[str, Any]], None], list[str]]] = [
    ("percentile above 100", P, _set("tendencies.0.percentile", 120), ["tendencies.0.percentile", "100"]),
    ("negative percentile", T, _set("skills.1.percentile", -1), ["skills.1.percentile"]),
    ("unknown Big Five scale", P, _set("tendencies.0.scale", "opennes"), ["tendencies.0.scale", "'opennes'"]),
    ("duplicate scale", P, _set("tendencies.1.scale", "openness"), ["tendencies", "duplicate", "openness"]),
    ("level contradicts percentile", P, _set("tendencies.0.level", "low"), ["tendencies.0.level", "percentile 82"]),
    ("raw score NaN", P, _set("tendencies.0.raw_score", float("nan")), ["tendencies.0.raw_score"]),
    ("empty tendencies", P, _set("tendencies", []), ["tendencies", "empty"]),
    ("interest score out of range", P, _set("interests.scores.R", 140), ["interests.scores.R"]),
    ("missing RIASEC letter", P, _set("interests.scores.C", _DELETE), ["interests.scores", "['C']"]),
    ("unknown RIASEC letter", P, _set("interests.scores.X", 10), ["interests.scores", "['X']"]),
    ("holland code inconsistent", P, _set("interests.holland_code", "RIA"), ["interests.holland_code", "'SIA'"]),
    ("holland code order wrong", P, _set("interests.holland_code", "ISA"), ["interests.holland_code", "inconsistent"]),
    ("holland code malformed", P, _set("interests.holland_code", "SSX"), ["interests.holland_code", "three"]),
    ("holland code too long", P, _set("interests.holland_code", "SIAC"), ["interests.holland_code", "three"]),
    ("nothing measured", P, lambda p: p.clear(), ["tendencies/interests", "at least one"]),
    ("typo in a field name", P, _set("tendencies.0.percentil", 50), ["tendencies.0.percentil", "Extra inputs"]),
    ("correct above total", T, _set("skills.0.correct", 21), ["skills.0", "correct (21)", "total (20)"]),
    ("zero total", T, _set("skills.0.total", 0), ["skills.0.total"]),
    ("unknown skill", T, _set("skills.0.skill", "musical"), ["skills.0.skill", "'musical'"]),
    ("duplicate skill", T, _duplicate_first("skills"), ["skills", "duplicate", "verbal"]),
    ("no skills", T, _set("skills", []), ["skills", "at least 1"]),
    ("no recommendations", C, _set("items", []), ["items", "at least 1"]),
    ("rank gap", C, _set("items.2.rank", 4), ["items", "ranks must run 1..3", "[1, 2, 4]"]),
    ("ranks out of order", C, _swap_first_two("items"), ["items", "ranks", "[2, 1, 3]"]),
    ("fit rises with rank", C, _set("items.1.fit_score", 0.95), ["items", "fit_score must not increase"]),
    ("fit above 1", C, _set("items.0.fit_score", 1.2), ["items.0.fit_score"]),
    ("no reasons", C, _set("items.0.reasons", []), ["items.0.reasons"]),
    ("blank reason", M, _set("items.0.reasons", ["  "]), ["items.0.reasons.0"]),
    ("malformed O*NET code", C, _set("items.0.onet_soc_code", "29-1141"), ["items.0.onet_soc_code"]),
    ("malformed CIP code", M, _set("items.0.cip_code", "51.38"), ["items.0.cip_code"]),
    ("onet code on a major", M, _set("items.0.onet_soc_code", "29-1141.00"), ["items.0.onet_soc_code", "Extra"]),
    ("unknown interest letter", C, _set("items.0.matched_interests", ["S", "X"]), ["items.0.matched_interests"]),
    ("duplicate code", M, _set("items.1.code", "nursing"), ["items", "duplicate code", "nursing"]),
    ("code with spaces", M, _set("items.0.code", "nurs ing"), ["items.0.code"]),
]


@pytest.mark.parametrize(
    ("document_type", "mutate", "expected"),
    [pytest.param(t, m, e, id=name) for name, t, m, e in MISTAKES],
)
def test_real_mistakes_are_refused_naming_the_field(
    document_type: DocumentType, mutate: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    payload = copy.deepcopy(example_content(document_type))
    mutate(payload)
    with pytest.raises(ValidationError) as caught:
        _doc(document_type, payload)
    message = str(caught.value)
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def test_the_unmodified_examples_are_valid() -> None:
    for document_type in DocumentType:
        assert example_document("u1", document_type).document_type is document_type


PARTIAL_PROFILES = {
    "riasec_only": {"interests": {"scores": {"R": 10, "I": 20, "A": 90, "S": 30, "E": 80, "C": 70}}},
    "big_five_only": {"tendencies": [{"scale": "extraversion", "raw_score": 3.0, "percentile": 71}]},
}


@pytest.mark.parametrize("name", sorted(PARTIAL_PROFILES))
def test_partial_profiles_are_valid_and_say_what_was_not_measured(name: str) -> None:
    profile = PersonalityProfile.model_validate(PARTIAL_PROFILES[name])
    overview = profile.sections()[0]
    assert overview.section_id == "personality:overview"
    assert "not measured" in overview.text
    if name == "riasec_only":
        assert profile.interests is not None and profile.interests.holland_code == "AEC"
        assert [s.section_id for s in profile.sections()][1] == "interests:holland_code"
    else:
        assert [s.section_id for s in profile.sections()] == ["personality:overview", "personality:extraversion"]


def _all_variants() -> list[ChatDocument]:
    docs = [example_document("u1", t) for t in DocumentType]
    for partial in PARTIAL_PROFILES.values():
        docs.append(ChatDocument(user_id="u1", content=PersonalityProfile.model_validate(partial)))
    one_skill = {"skills": [{"skill": "spatial", "correct": 3, "total": 3, "percentile": 99.5}]}
    docs.append(ChatDocument(user_id="u1", content=ThinkingSkills.model_validate(one_skill)))
    docs.append(example_document("u1", C, items=example_content(C)["items"][:1]))
    return docs


@pytest.mark.parametrize("doc", _all_variants(), ids=lambda d: f"{d.document_type}-{len(d.sections())}")
def test_every_section_renders_non_empty_and_readable(doc: ChatDocument) -> None:
    sections = doc.sections()
    assert sections and all(isinstance(s, Section) and s.title.strip() and s.text.strip() for s in sections)
    rendered = doc.render()
    assert rendered.startswith(f"# {doc.title}")
    for section in sections:
        assert f"## {section.title}\n\n{section.text}" in rendered
    # Encouraging advisor, not a clinic.
    for word in ("disorder", "diagnos", "patholog", "abnormal", "neurotic", "deficien", "clinical"):
        assert word not in rendered.lower()


def test_sections_are_stable_for_the_same_input() -> None:
    for document_type in DocumentType:
        a, b = example_document("u1", document_type), example_document("u2", document_type)
        assert a.sections() == b.sections()
        assert a.content_hash == b.content_hash


def _doc(document_type: DocumentType, content: dict[str, Any]) -> ChatDocument:
    return ChatDocument.model_validate({"user_id": "u", "document_type": document_type, "content": content})


def test_input_order_does_not_change_ids_or_hash() -> None:
    payload = example_content(P)
    shuffled = copy.deepcopy(payload)
    shuffled["tendencies"].reverse()
    shuffled["interests"]["scores"] = dict(reversed(list(shuffled["interests"]["scores"].items())))
    a, b = _doc(P, payload), _doc(P, shuffled)
    assert a.section_ids() == b.section_ids()
    assert a.content_hash == b.content_hash


def test_recommendation_overview_lists_the_ranked_items_so_follow_ups_resolve() -> None:
    doc = example_document("u1", C)
    overview = doc.sections()[0].text
    assert "1. Registered Nurse" in overview and "2. Medical Scientist" in overview
    assert overview.index("1. Registered") < overview.index("2. Medical") < overview.index("3. Educational")
    assert doc.section_ids()[1:] == ["careers:29-1141.00", "careers:19-1042.00", "careers:21-1012.00"]


def test_thinking_skills_strongest_and_weakest() -> None:
    content = example_document("u1", T).content
    assert isinstance(content, ThinkingSkills)
    assert (content.strongest.skill, content.weakest.skill) == ("numerical", "spatial")
    assert "numerical reasoning" in content.sections()[0].text


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=6, max_size=6))
def test_derived_holland_code_is_always_accepted(values: list[int]) -> None:
    scores = {letter: float(v) for letter, v in zip(RIASEC_LETTERS, values, strict=True)}
    derived = InterestProfile(scores=scores)
    assert derived.holland_code == holland_code_for(scores)
    assert InterestProfile(scores=scores, holland_code=derived.holland_code) == derived
    assert sorted(derived.rank(letter) for letter in RIASEC_LETTERS) == [1, 2, 3, 4, 5, 6]


def test_content_models_know_their_type() -> None:
    for document_type, model in CONTENT_MODELS.items():
        assert model.document_type is document_type
    assert json.loads(example_document("u1", M).model_dump_json())["document_type"] == "major_recommendations"

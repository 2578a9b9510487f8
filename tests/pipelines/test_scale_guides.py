"""The scale guides: complete coverage of aptichat.scales, sane lengths, non-clinical wording, stable hashes."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from aptichat.scales import ALL_SCALES, BIG_FIVE, RIASEC, THINKING_SKILLS
from aptichat_pipelines.transform.scale_guides import (
    GENERAL_SCALE,
    SCALE_GUIDES,
    ScaleGuide,
    all_scale_guides,
    guide_for_scale,
)

GENERAL_IDS = {
    "guide:holland_code",
    "guide:percentiles",
    "guide:using_results",
    "guide:choosing_a_major",
    "guide:career_exploration_steps",
}
CLINICAL_TERMS = ("disorder", "diagnos", "patient", "patholog", "symptom", "illness", "clinical", "abnormal")


def _words(text: str) -> int:
    return len(text.split())


def test_every_scale_has_exactly_one_guide() -> None:
    counts = Counter(g.scale for g in SCALE_GUIDES if g.scale != GENERAL_SCALE)
    assert set(counts) == set(ALL_SCALES)
    assert all(n == 1 for n in counts.values()), counts


@pytest.mark.parametrize("scale", sorted(ALL_SCALES))
def test_scale_guide_id_and_title(scale: str) -> None:
    guide = guide_for_scale(scale)
    assert guide.guide_id == f"guide:{scale}"
    assert guide.scale == scale
    display = {**BIG_FIVE, **RIASEC, **THINKING_SKILLS}[scale]
    assert guide.title.startswith(display)


def test_general_guides_present() -> None:
    general = {g.guide_id for g in SCALE_GUIDES if g.scale == GENERAL_SCALE}
    assert general == GENERAL_IDS


def test_ids_unique_and_fit_the_table() -> None:
    ids = [g.guide_id for g in SCALE_GUIDES]
    assert len(ids) == len(set(ids)) == len(ALL_SCALES) + len(GENERAL_IDS)
    # chat_scale_guides.guide_id and .scale are String(64)
    assert all(len(g.guide_id) <= 64 and len(g.scale) <= 64 for g in SCALE_GUIDES)


@pytest.mark.parametrize("guide", SCALE_GUIDES, ids=lambda g: g.guide_id)
def test_text_length_and_shape(guide: ScaleGuide) -> None:
    assert 80 <= _words(guide.text) <= 180, (guide.guide_id, _words(guide.text))
    assert guide.title.strip() == guide.title and guide.title
    # source formatting collapsed: no line breaks or double spaces left in the stored text
    assert "\n" not in guide.text and "  " not in guide.text
    assert guide.text.endswith(".")


@pytest.mark.parametrize("guide", SCALE_GUIDES, ids=lambda g: g.guide_id)
def test_no_clinical_terms(guide: ScaleGuide) -> None:
    lowered = f"{guide.title} {guide.text}".lower()
    found = [term for term in CLINICAL_TERMS if term in lowered]
    assert not found, (guide.guide_id, found)


def test_big_five_guides_say_neither_end_is_better() -> None:
    for scale in BIG_FIVE:
        text = guide_for_scale(scale).text
        assert "Neither end is better" in text, scale
        assert re.search(r"\bhigher scor(e|es|ers)\b", text, re.IGNORECASE), scale
        assert re.search(r"\blower scor(e|es|ers)\b", text, re.IGNORECASE), scale


def test_content_hash_stable_and_sensitive() -> None:
    guide = guide_for_scale("openness")
    assert re.fullmatch(r"[0-9a-f]{64}", guide.content_hash)
    assert guide.content_hash == guide.content_hash
    same = ScaleGuide(guide_id=guide.guide_id, scale=guide.scale, title=guide.title, text=guide.text)
    assert same.content_hash == guide.content_hash
    # metadata that is not content does not change the hash
    assert guide.model_copy(update={"guide_id": "guide:other"}).content_hash == guide.content_hash
    assert guide.model_copy(update={"text": guide.text + " More."}).content_hash != guide.content_hash
    assert guide.model_copy(update={"title": guide.title + "!"}).content_hash != guide.content_hash
    # the title/text boundary matters: moving a word across it changes the hash
    a = ScaleGuide(guide_id="g", scale="s", title="ab", text="c")
    b = ScaleGuide(guide_id="g", scale="s", title="a", text="bc")
    assert a.content_hash != b.content_hash


def test_content_hashes_distinct_across_guides() -> None:
    hashes = [g.content_hash for g in SCALE_GUIDES]
    assert len(set(hashes)) == len(hashes)


def test_all_scale_guides_returns_a_fresh_list() -> None:
    guides = all_scale_guides()
    assert guides == list(SCALE_GUIDES)
    guides.clear()
    assert len(all_scale_guides()) == len(SCALE_GUIDES)


def test_guides_are_frozen() -> None:
    with pytest.raises(ValueError):
        guide_for_scale("R").text = "changed"  # type: ignore[misc]


def test_unknown_scale_raises() -> None:
    with pytest.raises(KeyError):
        guide_for_scale("not_a_scale")
    with pytest.raises(KeyError):
        guide_for_scale(GENERAL_SCALE)

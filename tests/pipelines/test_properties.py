"""Property tests (hypothesis) for DocumentTransformer and the chunker: any valid LegacyTestResults,
built here from the legacy Pydantic models, gives documents that re-validate from their JSON, each
section becomes exactly one chunk, rankings stay ordered, and every scale a session did not measure
becomes a gap with a reason instead of a crash."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aptichat.documents import ChatDocument, DocumentType
from aptichat.scales import BIG_FIVE, RIASEC_LETTERS, THINKING_SKILLS, level_for_percentile
from aptichat_pipelines.legacy.models import (
    InterestResult,
    JobMatch,
    LegacyTestResults,
    MajorMatch,
    QualityIndicators,
    SkillResult,
    TendencyResult,
)
from aptichat_pipelines.transform.chunking import chunk_document
from aptichat_pipelines.transform.transformer import DocumentTransformer

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
percentiles = st.floats(min_value=0, max_value=100, allow_nan=False)
unit = st.floats(min_value=0, max_value=1, allow_nan=False)
words = st.text(alphabet=st.characters(categories=["L", "N", "Zs"], max_codepoint=0x2FF), min_size=1, max_size=40)


@st.composite
def tendencies(draw: st.DrawFn) -> list[TendencyResult]:
    measured = draw(st.lists(st.sampled_from(list(BIG_FIVE)), min_size=1, max_size=5, unique=True))
    values = {scale: draw(percentiles) for scale in measured}
    order = sorted(values, key=lambda s: -values[s])
    return [
        TendencyResult(
            scale=scale,
            raw_mean=draw(st.floats(min_value=1, max_value=5)),
            answered=draw(st.integers(min_value=1, max_value=24)),
            percentile=p,
            level=level_for_percentile(p),  # type: ignore[arg-type]
            rank_high=order.index(scale) + 1,
            rank_low=len(order) - order.index(scale),
        )
        for scale, p in values.items()
    ]


@st.composite
def interests(draw: st.DrawFn) -> list[InterestResult]:
    scores = {letter: draw(percentiles) for letter in RIASEC_LETTERS}
    order = sorted(scores, key=lambda letter: -scores[letter])
    return [
        InterestResult(
            letter=letter,
            raw_mean=draw(st.floats(min_value=1, max_value=5)),
            score=scores[letter],
            percentile=draw(percentiles),
            rank=order.index(letter) + 1,
        )
        for letter in RIASEC_LETTERS
    ]


@st.composite
def skills(draw: st.DrawFn) -> list[SkillResult]:
    chosen = draw(st.lists(st.sampled_from(list(THINKING_SKILLS)), min_size=1, max_size=5, unique=True))
    out = []
    for skill in chosen:
        total = draw(st.integers(min_value=1, max_value=20))
        p = draw(percentiles)
        out.append(
            SkillResult(
                skill=skill,
                correct=draw(st.integers(min_value=0, max_value=total)),
                total=total,
                percentile=p,
                level=level_for_percentile(p),  # type: ignore[arg-type]
            )
        )
    return out


@st.composite
def matches(draw: st.DrawFn, cls: type[JobMatch] | type[MajorMatch]) -> list[JobMatch] | list[MajorMatch]:
    n = draw(st.integers(min_value=0, max_value=12))
    out = []
    for rank in range(1, n + 1):
        profile_skills = draw(st.lists(st.sampled_from(list(THINKING_SKILLS)), max_size=3, unique=True))
        out.append(
            cls(
                code=f"{cls.__name__[:3].lower()}-{rank}",
                title=draw(words),
                description=draw(st.one_of(st.just(""), words)),
                similarity=draw(unit),
                interest_fit=draw(st.one_of(st.none(), unit)),
                skill_fit=draw(st.one_of(st.none(), unit)),
                rank=rank,
                riasec={letter: draw(unit) for letter in RIASEC_LETTERS},
                matched_letters=draw(st.lists(st.sampled_from(RIASEC_LETTERS), max_size=3, unique=True)),
                skills=profile_skills,
                matched_skills=[s for s in profile_skills if draw(st.booleans())],
            )
        )
    return out  # type: ignore[return-value]


@st.composite
def results(draw: st.DrawFn) -> LegacyTestResults:
    t = draw(st.one_of(st.none(), tendencies()))
    i = draw(st.one_of(st.none(), interests()))
    ordered_t = sorted(t, key=lambda x: x.rank_high) if t else None
    code = "".join(x.letter for x in sorted(i, key=lambda x: x.rank)[:3]) if i else None
    return LegacyTestResults(
        user_id=draw(st.from_regex(r"[a-z][a-z0-9-]{2,20}", fullmatch=True)),
        session_id="session-1",
        completed_at=datetime(2030, 1, 1, tzinfo=UTC),
        tendencies=t,
        top_tendencies=[x.scale for x in ordered_t[:2]] if ordered_t else None,
        bottom_tendencies=[x.scale for x in ordered_t[-2:]] if ordered_t else None,
        interests=i,
        holland_code=code,
        skills=draw(st.one_of(st.none(), skills())),
        quality=QualityIndicators(
            session_id="session-1",
            items_presented=100,
            missing_answers=0,
            missing_share=0.0,
            straight_lining=False,
            implausibly_fast=False,
            status="completed",
            is_valid=True,
            reasons=[],
        ),
        job_matches=draw(matches(JobMatch)),
        major_matches=draw(matches(MajorMatch)),
        background={},
    )


@PROPERTY_SETTINGS
@given(results())
def test_any_valid_results_give_valid_documents_or_gaps(bundle: LegacyTestResults) -> None:
    built = DocumentTransformer().build(bundle)
    produced = {d.document_type.value for d in built.documents}
    # every document type is either built or a gap with a reason, never both, never silently missing
    assert produced.isdisjoint(built.gaps)
    assert produced | set(built.gaps) == {t.value for t in DocumentType}
    assert all(reason.strip() for reason in built.gaps.values())
    for doc in built.documents:
        again = ChatDocument.model_validate(doc.model_dump(mode="json"))
        assert again.content_hash == doc.content_hash
        items = getattr(doc.content, "items", None)
        if items is not None:
            assert [x.rank for x in items] == list(range(1, len(items) + 1))
            fits = [x.fit_score for x in items]
            assert fits == sorted(fits, reverse=True)


@PROPERTY_SETTINGS
@given(results())
def test_every_section_becomes_exactly_one_chunk(bundle: LegacyTestResults) -> None:
    for doc in DocumentTransformer().build(bundle).documents:
        sections = doc.sections()
        chunks = chunk_document(doc)
        assert [c.section_id for c in chunks] == [s.section_id for s in sections]
        assert [c.ordinal for c in chunks] == list(range(len(sections)))
        assert len({c.section_id for c in chunks}) == len(chunks)
        assert all(c.text.strip() and c.title.strip() for c in chunks)
        assert all(c.document_type == doc.document_type.value for c in chunks)


@PROPERTY_SETTINGS
@given(results())
def test_unmeasured_scales_are_gaps_not_crashes(bundle: LegacyTestResults) -> None:
    built = DocumentTransformer().build(bundle)
    if bundle.tendencies is None and bundle.interests is None:
        assert "personality_profile" in built.gaps
    if not bundle.skills:
        assert "thinking_skills" in built.gaps
    if not bundle.job_matches:
        assert "career_recommendations" in built.gaps
    if not bundle.major_matches:
        assert "major_recommendations" in built.gaps

"""DocumentTransformer: one person's legacy test results -> their documents, each with its reasons.

Every document is built on its own: when one cannot be built (a scale the session did not measure, a
catalog that matched nothing) the others are still produced, and the missing one is recorded as a gap
with a reason the person can read ("your thinking skills were not measured in this test").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from aptichat.documents import (
    AnyContent,
    CareerRecommendation,
    CareerRecommendations,
    ChatDocument,
    DocumentType,
    InterestProfile,
    MajorRecommendation,
    MajorRecommendations,
    PersonalityProfile,
    SkillScore,
    TendencyScore,
    ThinkingSkills,
)
from aptichat.scales import BIG_FIVE, RIASEC, THINKING_SKILLS
from aptichat_pipelines.legacy.models import JobMatch, LegacyTestResults, MajorMatch

# Which tendencies plausibly support work of each interest type; used only to phrase reasons.
SUPPORTING_TENDENCIES: dict[str, tuple[str, ...]] = {
    "R": ("conscientiousness",),
    "I": ("openness",),
    "A": ("openness",),
    "S": ("agreeableness", "extraversion"),
    "E": ("extraversion",),
    "C": ("conscientiousness",),
}
MAX_RECOMMENDATIONS = 10
M = TypeVar("M", JobMatch, MajorMatch)


class MissingScaleError(Exception):
    """The session did not measure what a document needs."""


class BuiltDocuments(BaseModel):
    """What the transformer produced for one person: documents, and gaps (type -> reason)."""

    user_id: str
    session_id: str
    documents: list[ChatDocument]
    gaps: dict[str, str] = Field(default_factory=dict)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class DocumentTransformer:
    """Builds the four documents from a `LegacyTestResults` bundle."""

    def build(self, results: LegacyTestResults) -> BuiltDocuments:
        builders: list[tuple[DocumentType, Callable[[LegacyTestResults], AnyContent]]] = [
            (DocumentType.personality_profile, self.personality_profile),
            (DocumentType.thinking_skills, self.thinking_skills),
            (DocumentType.career_recommendations, self.career_recommendations),
            (DocumentType.major_recommendations, self.major_recommendations),
        ]
        documents: list[ChatDocument] = []
        gaps: dict[str, str] = {}
        for document_type, builder in builders:
            try:
                content = builder(results)
                documents.append(
                    ChatDocument(
                        user_id=results.user_id,
                        document_type=document_type,
                        content=content,
                        source_session_id=results.session_id,
                    )
                )
            except MissingScaleError as exc:
                gaps[document_type.value] = str(exc)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                gaps[document_type.value] = f"could not be built from this test's results ({where}: {first['msg']})"
        return BuiltDocuments(user_id=results.user_id, session_id=results.session_id, documents=documents, gaps=gaps)

    def personality_profile(self, results: LegacyTestResults) -> PersonalityProfile:
        if results.tendencies is None and results.interests is None:
            raise MissingScaleError("your personality tendencies and interests were not measured in this test")
        tendencies = None
        if results.tendencies is not None:
            tendencies = [
                TendencyScore(scale=t.scale, raw_score=round(t.raw_mean, 3), percentile=round(t.percentile, 1))
                for t in sorted(results.tendencies, key=lambda t: list(BIG_FIVE).index(t.scale))
            ]
        interests = None
        if results.interests is not None:
            z = {i.letter: round(i.z, 4) for i in results.interests if i.z is not None}
            interests = InterestProfile(
                scores={i.letter: round(i.score, 1) for i in results.interests},
                holland_code=results.holland_code,  # type: ignore[arg-type]  # None derives it
                standardised=z if len(z) == 6 else None,
            )
        return PersonalityProfile(tendencies=tendencies, interests=interests, summary=self._summary(results))

    @staticmethod
    def _summary(results: LegacyTestResults) -> str:
        parts: list[str] = []
        if results.top_tendencies:
            names = [BIG_FIVE[s].lower() for s in results.top_tendencies[:2]]
            parts.append(f"Your strongest tendencies are {' and '.join(names)}.")
        if results.holland_code:
            types = [RIASEC[letter] for letter in results.holland_code]
            parts.append(
                f"Your interest code is {results.holland_code}: mostly {types[0]}, then {types[1]} and {types[2]}."
            )
        return " ".join(parts) or "This profile describes tendencies, not fixed limits."

    def thinking_skills(self, results: LegacyTestResults) -> ThinkingSkills:
        if not results.skills:
            raise MissingScaleError("your thinking skills were not measured in this test")
        ordered = sorted(results.skills, key=lambda s: list(THINKING_SKILLS).index(s.skill))
        return ThinkingSkills(
            skills=[
                SkillScore(skill=s.skill, correct=s.correct, total=s.total, percentile=round(s.percentile, 1))
                for s in ordered
            ]
        )

    def career_recommendations(self, results: LegacyTestResults) -> CareerRecommendations:
        matches = self._top(results.job_matches, "careers", results)
        return CareerRecommendations(
            items=[
                CareerRecommendation(**self._item(rank, m, results), onet_soc_code=m.onet_soc_code)
                for rank, m in enumerate(matches, start=1)
            ]
        )

    def major_recommendations(self, results: LegacyTestResults) -> MajorRecommendations:
        matches = self._top(results.major_matches, "majors", results)
        return MajorRecommendations(
            items=[
                MajorRecommendation(**self._item(rank, m, results), cip_code=m.cip_code)
                for rank, m in enumerate(matches, start=1)
            ]
        )

    def _item(self, rank: int, match: JobMatch | MajorMatch, results: LegacyTestResults) -> dict[str, Any]:
        """The fields careers and majors share; each adds its own catalog code."""
        return {
            "rank": rank,
            "code": match.code,
            "title": match.title,
            "fit_score": round(match.similarity, 4),
            "reasons": self.reasons(match, results),
            "matched_interests": list(dict.fromkeys(match.matched_letters)),
            "skills": [THINKING_SKILLS[s] for s in match.skills],
            "description": match.description or None,
            "related": list(match.related),
        }

    @staticmethod
    def _top(matches: Sequence[M], area: str, results: LegacyTestResults) -> list[M]:
        if not matches:
            if results.interests is None and results.skills is None:
                raise MissingScaleError(
                    f"{area} are matched on interests and thinking skills, and neither was measured in this test"
                )
            raise MissingScaleError(f"no {area} in the catalog matched this test's results")
        # the legacy ranking orders by similarity; sorting again guards the documents' rank-order rule
        return sorted(matches, key=lambda m: (-m.similarity, m.rank))[:MAX_RECOMMENDATIONS]

    @staticmethod
    def reasons(match: JobMatch | MajorMatch, results: LegacyTestResults) -> list[str]:
        """Why this match: shared interest letters, skills it leans on where the person is strong, and
        tendencies that suit that kind of work."""
        reasons: list[str] = []
        if match.matched_letters and results.holland_code:
            pct = {i.letter: i.percentile for i in results.interests or []}
            types = " and ".join(
                f"{RIASEC[x]} ({_ordinal(round(pct[x]))} percentile)" if x in pct else RIASEC[x]
                for x in match.matched_letters
            )
            reasons.append(f"It draws on your {types} interests (your code is {results.holland_code}).")
        skills = {s.skill: s for s in results.skills or []}
        strong = [skills[s] for s in match.matched_skills if s in skills]
        if strong:
            best = max(strong, key=lambda s: s.percentile)
            reasons.append(
                f"It leans on {THINKING_SKILLS[best.skill].lower()}, where you scored at the "
                f"{_ordinal(round(best.percentile))} percentile."
            )
        tendencies = {t.scale: t for t in results.tendencies or []}
        for letter in match.matched_letters:
            for scale in SUPPORTING_TENDENCIES.get(letter, ()):
                tendency = tendencies.get(scale)
                if tendency is not None and tendency.level == "high":
                    reasons.append(f"Your high {BIG_FIVE[scale].lower()} suits {RIASEC[letter].lower()} work.")
                    break
            if len(reasons) >= 3:
                break
        if not reasons:
            reasons.append(f"Its overall profile is close to yours (fit {match.similarity:.0%}).")
        return reasons

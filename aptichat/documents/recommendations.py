"""Ranked career and major recommendations, with the reasons that drove each one.

Both share one shape (`RecommendationList`); they differ in the catalog code they may carry
(O*NET-SOC for careers, CIP for majors) and in wording."""

from __future__ import annotations

import itertools
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aptichat.documents.base import DocumentContent, NonEmptyText, Section, check_unique, join_words, ordinal
from aptichat.documents.enums import DocumentType
from aptichat.scales import RIASEC

# Catalog codes end up in section ids ("careers:<code>") and in chat_jobs.code (32 characters).
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class Recommendation(BaseModel):
    """One recommended career or major at a given rank."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rank: int = Field(ge=1)
    code: str = Field(pattern=CODE_PATTERN, max_length=32)
    title: NonEmptyText
    fit_score: float = Field(ge=0, le=1, allow_inf_nan=False)
    # Which traits and interests drove the recommendation, in the advisor's words.
    reasons: list[NonEmptyText] = Field(min_length=1)
    matched_interests: list[str] = Field(default_factory=list)
    skills: list[NonEmptyText] = Field(default_factory=list)
    description: NonEmptyText | None = None
    # Close entries of the same family left out so the list shows different directions (majors:
    # programs of the same CIP series beyond the two listed), best first.
    related: list[NonEmptyText] = Field(default_factory=list)

    @field_validator("matched_interests")
    @classmethod
    def _riasec_letters(cls, value: list[str]) -> list[str]:
        unknown = [letter for letter in value if letter not in RIASEC]
        if unknown:
            raise ValueError(f"matched_interests {unknown} are not RIASEC letters ({''.join(RIASEC)})")
        if len(set(value)) != len(value):
            raise ValueError(f"matched_interests {value} repeats a letter")
        return value

    def reference(self) -> str | None:
        """The external classification code, in words, when there is one."""
        return None


class CareerRecommendation(Recommendation):
    """A recommended career, optionally tied to its O*NET-SOC occupation."""

    onet_soc_code: str | None = Field(default=None, pattern=r"^\d{2}-\d{4}\.\d{2}$")

    def reference(self) -> str | None:
        """'O*NET-SOC 29-1141.00' when the code is known."""
        return f"O*NET-SOC {self.onet_soc_code}" if self.onet_soc_code else None


class MajorRecommendation(Recommendation):
    """A recommended major, optionally tied to its CIP program code."""

    cip_code: str | None = Field(default=None, pattern=r"^\d{2}\.\d{4}$")

    def reference(self) -> str | None:
        """'CIP 51.3801' when the code is known."""
        return f"CIP {self.cip_code}" if self.cip_code else None


ItemT = TypeVar("ItemT", bound=Recommendation)


class RecommendationList(DocumentContent, Generic[ItemT]):
    """A non-empty list ranked 1..n, best fit first."""

    # Section-id prefix and the word used in text; set by subclasses.
    area: ClassVar[str]
    noun: ClassVar[str]

    items: list[ItemT] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _ranked(cls, value: list[ItemT]) -> list[ItemT]:
        ranks = [item.rank for item in value]
        if ranks != list(range(1, len(value) + 1)):
            raise ValueError(f"ranks must run 1..{len(value)} in list order, got {ranks}")
        fits = [item.fit_score for item in value]
        for a, b in itertools.pairwise(value):
            if b.fit_score > a.fit_score:
                raise ValueError(
                    f"fit_score must not increase with rank: rank {b.rank} ({b.fit_score:g}) is above "
                    f"rank {a.rank} ({a.fit_score:g}); scores {fits}"
                )
        check_unique([item.code for item in value], "code")
        return value

    def sections(self) -> list[Section]:
        """<area>:overview with the ranked list, then <area>:<code> for every item."""
        out = [Section(section_id=f"{self.area}:overview", title="Overview", text=self._overview())]
        out.extend(self._item_section(item) for item in self.items)
        return out

    def _overview(self) -> str:
        count = len(self.items)
        heading = (
            f"Here are the {count} {self.noun}s that fit your profile best, in order:"
            if count > 1
            else f"Here is the {self.noun} that fits your profile best:"
        )
        lines = [
            heading,
            *(f"{item.rank}. {item.title} (fit {round(item.fit_score * 100)}%)" for item in self.items),
            f"You can ask about any {self.noun} here by name or by its number in this list.",
            "They show tendencies, not a verdict: they come from how your interests compare with each "
            f"{self.noun}'s typical profile, so treat them as a starting point for reflection.",
        ]
        return "\n".join(lines)

    def _item_section(self, item: ItemT) -> Section:
        parts = [
            f"{item.title} is your {'top' if item.rank == 1 else ordinal(item.rank)} {self.noun} match, with a fit of "
            f"{round(item.fit_score * 100)}%.",
            f"Why it fits you: {' '.join(_sentence(r) for r in item.reasons)}",
        ]
        if item.matched_interests:
            names = join_words([RIASEC[letter] for letter in item.matched_interests])
            parts.append(f"It matches your {names} interests.")
        if item.skills:
            parts.append(f"Skills it draws on: {', '.join(item.skills)}.")
        if item.description:
            parts.append(_sentence(item.description))
        if item.related:
            parts.append(f"Related {self.noun}s of the same family, not listed separately: {'; '.join(item.related)}.")
        reference = item.reference()
        if reference:
            parts.append(f"({reference})")
        return Section(section_id=f"{self.area}:{item.code}", title=f"{item.rank}. {item.title}", text=" ".join(parts))


def _sentence(text: str) -> str:
    """The text with a full stop at the end unless it already has closing punctuation."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


class CareerRecommendations(RecommendationList[CareerRecommendation]):
    """The careers that fit the person best."""

    document_type: ClassVar[DocumentType] = DocumentType.career_recommendations
    area: ClassVar[str] = "careers"
    noun: ClassVar[str] = "career"

    title: NonEmptyText = "Your career recommendations"


class MajorRecommendations(RecommendationList[MajorRecommendation]):
    """The study majors that fit the person best."""

    document_type: ClassVar[DocumentType] = DocumentType.major_recommendations
    area: ClassVar[str] = "majors"
    noun: ClassVar[str] = "major"

    title: NonEmptyText = "Your major recommendations"

"""The personality profile: Big Five tendencies and/or Holland (RIASEC) interests.

A RIASEC-only import has no tendencies and a Big-Five-only import has no interests; both are valid
profiles, but a profile with neither is a mistake."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from aptichat.documents.base import (
    DocumentContent,
    LevelledScore,
    NonEmptyText,
    Percentile,
    Section,
    check_known,
    check_unique,
    in_scale_order,
    join_words,
    percentile_phrase,
)
from aptichat.documents.enums import DocumentType, Level
from aptichat.documents.phrasing import INTEREST_LEVEL_TEXT, INTEREST_TEXT, TENDENCY_TEXT
from aptichat.scales import BIG_FIVE, RIASEC, RIASEC_LETTERS


class TendencyScore(LevelledScore):
    """One Big Five tendency: raw score as the test reports it, percentile and level."""

    scale: str
    raw_score: float = Field(allow_inf_nan=False)

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, value: str) -> str:
        return check_known(value, BIG_FIVE, "Big Five scale")

    @property
    def name(self) -> str:
        """The display name of the scale."""
        return BIG_FIVE[self.scale]


def holland_code_for(scores: Mapping[str, float]) -> str:
    """The three letters with the highest scores, highest first; ties keep RIASEC order."""
    ranked = sorted(RIASEC_LETTERS, key=lambda letter: (-scores[letter], RIASEC_LETTERS.index(letter)))
    return "".join(ranked[:3])


class InterestProfile(BaseModel):
    """Holland RIASEC interest scores (0..100 for each of the six letters) and the three-letter code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scores: dict[str, Percentile]
    # Derived from the scores when absent; a given code must be consistent with them.
    holland_code: str = Field(default=None, validate_default=True)
    # Each letter's raw mean standardised against the instrument's norms (z): what the recommendations
    # are ranked on (decision 0006), kept so an answer can compute any catalog item's fit on the same
    # rule ("why wasn't lawyer recommended?"). Absent in documents built before it was stored.
    standardised: dict[str, float] | None = None

    @field_validator("standardised")
    @classmethod
    def _six_z(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        if sorted(value) != sorted(RIASEC_LETTERS):
            raise ValueError(f"standardised scores need exactly the six letters {''.join(RIASEC_LETTERS)}")
        return {letter: value[letter] for letter in RIASEC_LETTERS}

    @field_validator("scores")
    @classmethod
    def _six_letters(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(RIASEC))
        if unknown:
            raise ValueError(f"unknown RIASEC letter(s) {unknown} (known: {''.join(RIASEC_LETTERS)})")
        missing = [letter for letter in RIASEC_LETTERS if letter not in value]
        if missing:
            raise ValueError(f"missing a score for RIASEC letter(s) {missing}")
        # Canonical key order, so the content hash does not depend on how the importer built the dict.
        return {letter: value[letter] for letter in RIASEC_LETTERS}

    @field_validator("holland_code", mode="before")
    @classmethod
    def _code_matches_scores(cls, value: Any, info: ValidationInfo) -> Any:
        scores: dict[str, float] | None = info.data.get("scores")
        if value is None:
            return holland_code_for(scores) if scores else value
        if not isinstance(value, str):
            return value  # the str type check reports it
        code = value.strip().upper()
        if len(code) != 3 or any(ch not in RIASEC for ch in code) or len(set(code)) != 3:
            raise ValueError(f"holland_code {value!r} must be three different letters from {''.join(RIASEC_LETTERS)}")
        if scores is None:
            return code
        in_order = all(scores[a] >= scores[b] for a, b in itertools.pairwise(code))
        rest = [scores[letter] for letter in RIASEC_LETTERS if letter not in code]
        if not in_order or min(scores[ch] for ch in code) < max(rest):
            raise ValueError(
                f"holland_code {code!r} is inconsistent with the scores: the top three by score are "
                f"{holland_code_for(scores)!r}"
            )
        return code

    def rank(self, letter: str) -> int:
        """1 for the strongest interest, 6 for the weakest (code letters first, in code order)."""
        order = list(self.holland_code) + sorted(
            (ch for ch in RIASEC_LETTERS if ch not in self.holland_code),
            key=lambda ch: (-self.scores[ch], RIASEC_LETTERS.index(ch)),
        )
        return order.index(letter) + 1


class PersonalityProfile(DocumentContent):
    """Personality tendencies and interests, as an advisor would explain them."""

    document_type: ClassVar[DocumentType] = DocumentType.personality_profile

    title: NonEmptyText = "Your personality profile"
    tendencies: list[TendencyScore] | None = None
    interests: InterestProfile | None = None
    summary: NonEmptyText | None = None

    @field_validator("tendencies")
    @classmethod
    def _unique_tendencies(cls, value: list[TendencyScore] | None) -> list[TendencyScore] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("tendencies is empty: leave it out (None) when no Big Five scores were measured")
        scales = [t.scale for t in value]
        check_unique(scales, "tendency scale")
        return in_scale_order(value, scales, BIG_FIVE)

    @model_validator(mode="after")
    def _something_measured(self) -> PersonalityProfile:
        if self.tendencies is None and self.interests is None:
            raise ValueError("tendencies/interests: a personality profile needs at least one of them")
        return self

    def sections(self) -> list[Section]:
        """personality:overview, personality:<scale> per tendency, then interests:holland_code and
        interests:<letter> for all six letters when interests were measured."""
        out = [Section(section_id="personality:overview", title="Overview", text=self._overview())]
        for t in self.tendencies or []:
            text = (
                f"Your {t.name.lower()} score is {t.level.value}, {percentile_phrase(t.percentile)}. "
                f"{TENDENCY_TEXT[t.scale][t.level]}"
            )
            out.append(Section(section_id=f"personality:{t.scale}", title=t.name, text=text))
        if self.interests is not None:
            out.extend(self._interest_sections(self.interests))
        return out

    def _overview(self) -> str:
        parts: list[str] = []
        if self.summary:
            parts.append(self.summary)
        if self.tendencies:
            listed = "; ".join(f"{t.name}: {t.level.value}" for t in self.tendencies)
            parts.append(f"Your personality tendencies: {listed}.")
            high = [t.name.lower() for t in self.tendencies if t.level is Level.high]
            if high:
                parts.append(f"Your most pronounced tendencies are {join_words(high)}, which you can build on.")
        if self.interests is not None:
            names = [RIASEC[ch] for ch in self.interests.holland_code]
            parts.append(
                f"Your Holland interest code is {self.interests.holland_code}: you are most drawn to "
                f"{join_words(names)} activities."
            )
        else:
            parts.append("Your interests were not measured in this test, so this profile covers tendencies only.")
        if not self.tendencies:
            parts.append("Personality tendencies were not measured in this test, so this profile covers interests.")
        parts.append("Every profile has its own strengths; use this as a starting point for reflection, not a label.")
        return " ".join(parts)

    @staticmethod
    def _interest_sections(interests: InterestProfile) -> list[Section]:
        code = interests.holland_code
        listed = ", ".join(f"{RIASEC[ch]} ({ch}) {interests.scores[ch]:g}" for ch in RIASEC_LETTERS)
        out = [
            Section(
                section_id="interests:holland_code",
                title=f"Your Holland code: {code}",
                text=(
                    f"Your three strongest interest areas, in order, are {join_words([RIASEC[ch] for ch in code])}, "
                    f"which gives the Holland code {code}. Your scores out of 100: {listed}. Careers and majors "
                    f"whose profile shares these letters are likely to feel engaging."
                ),
            )
        ]
        for letter in RIASEC_LETTERS:
            rank = interests.rank(letter)
            band = Level.high if rank <= 3 else Level.average if rank == 4 else Level.low
            out.append(
                Section(
                    section_id=f"interests:{letter}",
                    title=f"{RIASEC[letter]} interests ({letter})",
                    text=(
                        f"Your {RIASEC[letter]} interest score is {interests.scores[letter]:g} out of 100, "
                        f"number {rank} of your six interest areas. {RIASEC[letter]} interests are about "
                        f"{INTEREST_TEXT[letter]}. {INTEREST_LEVEL_TEXT[band]}"
                    ),
                )
            )
        return out

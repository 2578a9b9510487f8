"""Thinking skills: ability items scored right or wrong, with percentiles against the norm group."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from aptichat.documents.base import (
    DocumentContent,
    LevelledScore,
    NonEmptyText,
    Section,
    check_known,
    check_unique,
    in_scale_order,
    percentile_phrase,
)
from aptichat.documents.enums import DocumentType
from aptichat.documents.phrasing import SKILL_LEVEL_TEXT, SKILL_TEXT
from aptichat.scales import THINKING_SKILLS


class SkillScore(LevelledScore):
    """One thinking skill: items correct out of total, percentile and level."""

    skill: str
    correct: int = Field(ge=0)
    total: int = Field(gt=0)

    @field_validator("skill")
    @classmethod
    def _known_skill(cls, value: str) -> str:
        return check_known(value, THINKING_SKILLS, "thinking skill")

    @model_validator(mode="after")
    def _correct_within_total(self) -> SkillScore:
        if self.correct > self.total:
            raise ValueError(f"correct ({self.correct}) is greater than total ({self.total})")
        return self

    @property
    def name(self) -> str:
        """The display name of the skill."""
        return THINKING_SKILLS[self.skill]


class ThinkingSkills(DocumentContent):
    """Thinking-skill results with the strongest and weakest skill called out."""

    document_type: ClassVar[DocumentType] = DocumentType.thinking_skills

    title: NonEmptyText = "Your thinking skills"
    skills: list[SkillScore] = Field(min_length=1)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: list[SkillScore]) -> list[SkillScore]:
        ids = [s.skill for s in value]
        check_unique(ids, "skill")
        return in_scale_order(value, ids, THINKING_SKILLS)

    @property
    def strongest(self) -> SkillScore:
        """The skill with the highest percentile (the first in scale order on a tie)."""
        return max(self.skills, key=lambda s: s.percentile)

    @property
    def weakest(self) -> SkillScore:
        """The skill with the lowest percentile (the first in scale order on a tie)."""
        return min(self.skills, key=lambda s: s.percentile)

    def sections(self) -> list[Section]:
        """skills:overview, then skills:<skill> for every measured skill."""
        out = [Section(section_id="skills:overview", title="Overview", text=self._overview())]
        for s in self.skills:
            text = (
                f"{s.name} is about {SKILL_TEXT[s.skill]}. You answered {s.correct} of {s.total} items "
                f"correctly, {percentile_phrase(s.percentile)}, which is {s.level.value} for your norm group. "
                f"{SKILL_LEVEL_TEXT[s.level]}"
            )
            out.append(Section(section_id=f"skills:{s.skill}", title=s.name, text=text))
        return out

    def _overview(self) -> str:
        listed = "; ".join(f"{s.name}: {s.level.value} ({s.correct}/{s.total})" for s in self.skills)
        parts = [f"Your thinking-skill results: {listed}."]
        if len(self.skills) > 1 and self.strongest.percentile > self.weakest.percentile:
            parts.append(
                f"Your strongest area is {self.strongest.name.lower()}, a good foundation to build on. "
                f"{self.weakest.name} is the area with the most room to grow."
            )
        else:
            parts.append(f"Your strongest area is {self.strongest.name.lower()}.")
        parts.append("Skills develop with practice, so treat these results as a snapshot rather than a limit.")
        return " ".join(parts)

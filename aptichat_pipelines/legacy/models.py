"""Pydantic models of everything the legacy queries return, and the bundle the ETL consumes.

Every row a query reads is validated into one of these models, so a bad row in the legacy database
fails loudly at the boundary (as `LegacyQueryError`) instead of turning into a wrong document.
A scale a session did not measure is `None`, never an empty list or a zero.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from aptichat.scales import BIG_FIVE, RIASEC, RIASEC_LETTERS, THINKING_SKILLS, level_for_percentile

SessionStatus = Literal["in_progress", "completed", "abandoned", "invalid"]
Level = Literal["low", "average", "high"]
Percentile = Field(ge=0, le=100)
Unit = Field(ge=0, le=1)


def _check_profile(value: dict[str, float]) -> dict[str, float]:
    if set(value) != set(RIASEC_LETTERS):
        raise ValueError(f"RIASEC profile needs the six letters, got {sorted(value)}")
    bad = {k: v for k, v in value.items() if not 0 <= v <= 1}
    if bad:
        raise ValueError(f"RIASEC profile values must be within 0..1: {bad}")
    return {letter: value[letter] for letter in RIASEC_LETTERS}


def _check_skills(value: list[str]) -> list[str]:
    unknown = [s for s in value if s not in THINKING_SKILLS]
    if unknown:
        raise ValueError(f"unknown thinking skills {unknown}")
    return value


RiasecProfile = Annotated[dict[str, float], AfterValidator(_check_profile)]
SkillIds = Annotated[list[str], AfterValidator(_check_skills)]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class SessionRow(_Row):
    """One test session (`test_sessions`)."""

    session_id: str
    user_id: str
    instrument_set: list[str]
    domains: list[str] = Field(default_factory=list, description="domains the instruments measure")
    started_at: datetime
    completed_at: datetime | None
    status: SessionStatus

    @property
    def cursor(self) -> SessionCursor:
        """The sensor cursor just past this session (only meaningful for completed sessions)."""
        if self.completed_at is None:
            raise ValueError(f"session {self.session_id} has no completed_at")
        return SessionCursor(completed_at=self.completed_at, session_id=self.session_id)


class SessionCursor(_Row):
    """Position in the stream of completed sessions, ordered by (completed_at, session_id).

    Two sessions may complete in the same microsecond; the id breaks the tie, so a cursor never
    skips the second one. `encode()`/`decode()` give the string Dagster stores as a sensor cursor.
    """

    completed_at: datetime
    session_id: str

    def encode(self) -> str:
        return f"{self.completed_at.isoformat()}|{self.session_id}"

    @classmethod
    def decode(cls, raw: str | None) -> SessionCursor | None:
        if not raw:
            return None
        stamp, _, session_id = raw.partition("|")
        return cls(completed_at=datetime.fromisoformat(stamp), session_id=session_id)


class TakerRow(_Row):
    """A test taker (`test_takers`) with the background the product collected."""

    user_id: str
    created_at: datetime
    background: dict[str, object]


class TendencyResult(_Row):
    """A Big Five domain: mean keyed item value (reverse items flipped), percentile from norms."""

    scale: str
    raw_mean: float
    answered: int = Field(ge=1)
    percentile: float = Percentile
    level: Level
    rank_high: int = Field(ge=1, description="1 = the person's highest tendency")
    rank_low: int = Field(ge=1, description="1 = the person's lowest tendency")

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, value: str) -> str:
        if value not in BIG_FIVE:
            raise ValueError(f"unknown tendency scale {value!r}")
        return value

    @model_validator(mode="after")
    def _level_matches(self) -> TendencyResult:
        if self.level != level_for_percentile(self.percentile):
            raise ValueError(f"level {self.level} does not match percentile {self.percentile}")
        return self


class InterestResult(_Row):
    """A RIASEC type: score 0..100 (mean item value rescaled from the answer range), percentile."""

    letter: str
    raw_mean: float
    score: float = Percentile
    percentile: float = Percentile
    # standardised against the norms: the ranking's input (sql_matching), kept so answers can repeat it
    z: float | None = None
    rank: int = Field(ge=1, le=6)

    @field_validator("letter")
    @classmethod
    def _known_letter(cls, value: str) -> str:
        if value not in RIASEC:
            raise ValueError(f"unknown RIASEC letter {value!r}")
        return value


class SkillResult(_Row):
    """A thinking skill: items right out of items presented (unanswered counts as not right)."""

    skill: str
    correct: int = Field(ge=0)
    total: int = Field(ge=1)
    percentile: float = Percentile
    level: Level

    @field_validator("skill")
    @classmethod
    def _known_skill(cls, value: str) -> str:
        if value not in THINKING_SKILLS:
            raise ValueError(f"unknown thinking skill {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SkillResult:
        if self.correct > self.total:
            raise ValueError(f"{self.correct} correct out of {self.total}")
        if self.level != level_for_percentile(self.percentile):
            raise ValueError(f"level {self.level} does not match percentile {self.percentile}")
        return self


class QualityIndicators(_Row):
    """How far a session's answers can be trusted (thresholds in `sql_quality.py`)."""

    session_id: str
    items_presented: int = Field(ge=0)
    missing_answers: int = Field(ge=0)
    missing_share: float = Unit
    max_identical_share: float | None = Field(default=None, ge=0, le=1)
    straight_lining: bool
    median_response_ms: float | None = None
    fast_share: float | None = Field(default=None, ge=0, le=1)
    implausibly_fast: bool
    status: SessionStatus
    is_valid: bool
    reasons: list[str]


class _Match(_Row):
    code: str
    title: str
    description: str
    similarity: float = Unit
    interest_fit: float | None = Field(default=None, ge=0, le=1)
    skill_fit: float | None = Field(default=None, ge=0, le=1)
    rank: int = Field(ge=1)
    riasec: RiasecProfile
    matched_letters: list[str] = Field(description="the person's Holland letters this profile draws on")
    skills: SkillIds = Field(description="thinking skills it leans on")
    matched_skills: SkillIds = Field(description="of those, the person's at or above the 50th percentile")
    related: list[str] = Field(
        default_factory=list, description="titles of close entries of the same family not listed separately"
    )


class JobMatch(_Match):
    """A job ranked for a person; see docs/legacy-contract.md for the similarity formula."""

    onet_soc_code: str | None = None
    job_zone: int | None = Field(default=None, ge=1, le=5)


class MajorMatch(_Match):
    """A major ranked for a person, by the same formula as jobs."""

    cip_code: str | None = None


class CatalogJob(_Row):
    """A row of the product's job catalog (`jobs`)."""

    code: str
    title: str
    description: str
    riasec: RiasecProfile
    skills: SkillIds
    onet_soc_code: str | None = None
    job_zone: int | None = Field(default=None, ge=1, le=5)
    source: str


class CatalogMajor(_Row):
    """A row of the product's major catalog (`majors`)."""

    code: str
    title: str
    description: str
    riasec: RiasecProfile
    skills: SkillIds
    cip_code: str | None = None
    source: str


class LegacyTestResults(BaseModel):
    """Everything AptiChat needs to write one person's documents, from one test session."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    session_id: str
    completed_at: datetime
    tendencies: list[TendencyResult] | None
    top_tendencies: list[str] | None
    bottom_tendencies: list[str] | None
    interests: list[InterestResult] | None
    holland_code: str | None
    skills: list[SkillResult] | None
    quality: QualityIndicators
    job_matches: list[JobMatch]
    major_matches: list[MajorMatch]
    background: dict[str, object]

    @model_validator(mode="after")
    def _consistent(self) -> LegacyTestResults:
        if (self.interests is None) != (self.holland_code is None):
            raise ValueError("holland_code is set exactly when interests are")
        if (self.tendencies is None) != (self.top_tendencies is None):
            raise ValueError("top/bottom tendencies are set exactly when tendencies are")
        return self

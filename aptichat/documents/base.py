"""What every content model shares: a `Section` (the unit that becomes a chunk and a citation), the
`DocumentContent` base with `sections()` and `render()`, and small wording helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from aptichat.documents.enums import DocumentType, Level
from aptichat.scales import level_for_percentile

# "<area>:<key>", e.g. personality:openness, careers:15-1252.00. It must fit chat_document_chunks.section_id.
SECTION_ID_PATTERN = r"^[a-z_]+:[A-Za-z0-9_.\-]+$"

Percentile = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Section(BaseModel):
    """One titled part of a document. Its id is stable for the same input and is what chunks and
    citations refer to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    section_id: str = Field(pattern=SECTION_ID_PATTERN, max_length=128)
    title: NonEmptyText
    text: NonEmptyText


class DocumentContent(BaseModel):
    """Base of the four content models. Subclasses set `document_type` and implement `sections()`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_type: ClassVar[DocumentType]
    title: NonEmptyText

    def sections(self) -> list[Section]:
        """The document as titled sections, in reading order; the first is always the overview."""
        raise NotImplementedError

    def render(self) -> str:
        """The whole document as markdown-ish text: a heading, then every section."""
        parts = [f"# {self.title}"]
        for section in self.sections():
            parts.append(f"## {section.title}\n\n{section.text}")
        return "\n\n".join(parts) + "\n"


ScoreT = TypeVar("ScoreT")


class LevelledScore(BaseModel):
    """A percentile with its level band; the base of tendency and skill scores."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    percentile: Percentile
    # Derived from the percentile when absent; a given level must agree with it, since every layer
    # reads levels through the one definition in aptichat.scales.
    level: Level = Field(default=None, validate_default=True)

    @field_validator("level", mode="before")
    @classmethod
    def _level_matches_percentile(cls, value: Any, info: ValidationInfo) -> Any:
        if "percentile" not in info.data:  # the percentile already failed; that error says enough
            return value
        percentile = info.data["percentile"]
        expected = Level(level_for_percentile(percentile))
        if value is not None and Level(value) != expected:
            raise ValueError(
                f"level {Level(value).value!r} does not match percentile {percentile:g} (expected {expected.value!r})"
            )
        return expected


def check_unique(ids: list[str], what: str) -> None:
    """A ValueError naming the repeated ids, if any: "duplicate skill(s) ['verbal']"."""
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"duplicate {what}(s) {repeated}")


def in_scale_order(scores: list[ScoreT], ids: list[str], known: Mapping[str, str]) -> list[ScoreT]:
    """`scores` sorted by the order of their ids in `known`, so sections and the content hash do not
    depend on the order an importer happened to use."""
    order = list(known)
    return [score for _, score in sorted(zip(ids, scores, strict=True), key=lambda pair: order.index(pair[0]))]


def check_known(value: str, known: Mapping[str, str], what: str) -> str:
    """`value` when it is one of the `known` ids, else a ValueError listing them."""
    if value not in known:
        raise ValueError(f"{value!r} is not a {what} (known: {', '.join(known)})")
    return value


def ordinal(n: int) -> str:
    """1 -> '1st', 22 -> '22nd', 13 -> '13th'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def percentile_phrase(percentile: float) -> str:
    """'around the 72nd percentile (higher than about 72% of test takers)' in plain words."""
    rounded = round(percentile)
    if rounded >= 99:
        return "at the very top of the range (above about 99% of test takers)"
    if rounded <= 1:
        return "at the start of the range (around the 1st percentile)"
    return f"around the {ordinal(rounded)} percentile (higher than about {rounded}% of test takers)"


def join_words(words: list[str]) -> str:
    """['a'] -> 'a', ['a', 'b'] -> 'a and b', ['a', 'b', 'c'] -> 'a, b and c'."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"

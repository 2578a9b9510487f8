"""What the RAG layer hands an answer generator, and what it gets back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from aptichat.intents import INTENTS as INTENTS  # re-exported: aptichat.llm.INTENTS
from aptichat.intents import Intent


class ContextSection(BaseModel):
    """One retrieved piece of context, numbered so the answer can cite it as [n]."""

    n: int = Field(ge=1, description="citation number, as shown to the model and the user")
    document_type: str = Field(
        description="personality_profile, thinking_skills, career_recommendations, major_recommendations, "
        "or a catalog type: catalog_job, catalog_major, scale_guide"
    )
    section_id: str
    title: str
    text: str


class NamedItem(BaseModel):
    """A career or major the question names, resolved against the person's list and the catalog."""

    kind: Literal["career", "major"]
    title: str = Field(description="the title as the catalog or the person's list spells it")
    code: str
    rank: int | None = Field(default=None, description="its rank among the person's recommendations, if listed")
    section_ids: list[str] = Field(default_factory=list, description="sections of the request about this item")


class QuestionPart(BaseModel):
    """One sub-question of a multi-part question, with what it is about."""

    text: str
    intent: Intent = Intent.GENERAL_GUIDANCE
    question_type: str = "general"
    scales: list[str] = Field(default_factory=list, description="section ids of the scales this part names")


class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    text: str


class AnswerRequest(BaseModel):
    """Everything needed to answer one question."""

    question: str
    intent: Intent = Intent.GENERAL_GUIDANCE
    sections: list[ContextSection] = Field(default_factory=list)
    history: list[Turn] = Field(default_factory=list)
    system_instruction: str | None = None
    prompt: str | None = Field(default=None, description="a fully built prompt, when the RAG layer made one")
    gaps: dict[str, str] = Field(
        default_factory=dict, description="document types not available for this person -> why"
    )
    max_chars: int = Field(default=1800, ge=100)
    question_type: str = Field(
        default="general",
        description="what is asked: general, explain, compare, why, why_not, worry, next_steps, specific_scale, "
        "multi_part (aptichat_api.rag.understanding)",
    )
    named_items: list[NamedItem] = Field(default_factory=list, description="careers and majors the question names")
    scales: list[str] = Field(
        default_factory=list, description="section ids of the scales the question names (skills:verbal, ...)"
    )
    parts: list[QuestionPart] = Field(default_factory=list, description="the sub-questions of a multi-part question")
    unresolved: list[str] = Field(
        default_factory=list, description="names the question asks about that match no career or major known"
    )
    revision_notes: str | None = Field(
        default=None,
        description="the problems the faithfulness check found in the previous answer, for a regeneration "
        "(aptichat.llm.fallback); a model-backed generator appends them to its prompt",
    )


class FaithfulnessOutcome(BaseModel):
    """What the faithfulness check (aptichat.llm.faithfulness) made of a provider's answer."""

    provider: str = Field(description="the provider whose answer was checked")
    outcome: Literal["passed", "passed_after_retry", "fell_back"]
    problems: list[str] = Field(
        default_factory=list, description="problem kinds found, repeats kept: the first answer's, then the retry's"
    )


class GeneratedAnswer(BaseModel):
    """The answer, the section numbers it cites, who produced it and whether it is a fallback."""

    text: str
    citations: list[int] = Field(default_factory=list)
    provider: str
    degraded: bool = False
    error: str | None = Field(default=None, description="error class when degraded: quota, retryable, ...")
    faithfulness: FaithfulnessOutcome | None = Field(
        default=None, description="the check's outcome for a provider's answer; None when not checked (offline)"
    )


@runtime_checkable
class AnswerGenerator(Protocol):
    """Turns an AnswerRequest into an answer, whole or streamed."""

    name: str

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        """The complete answer. A provider may raise ProviderError: `OfflineFallback` degrades it."""
        ...

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The answer as text pieces, in order; their concatenation is the answer text."""
        ...

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """Text pieces, then exactly one GeneratedAnswer as the last item."""
        ...


_CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_numbers(text: str, sections: list[ContextSection]) -> list[int]:
    """The [n] cited in `text` that name a provided section, in order of first use, without repeats."""
    allowed = {s.n for s in sections}
    seen: list[int] = []
    for group in _CITATION.findall(text):
        for part in group.split(","):
            n = int(part)
            if n in allowed and n not in seen:
                seen.append(n)
    return seen


def text_from_stream(pieces: Iterator[str | GeneratedAnswer]) -> Iterator[str]:
    """Only the text pieces of a `stream_answer` iterator."""
    for piece in pieces:
        if isinstance(piece, str):
            yield piece

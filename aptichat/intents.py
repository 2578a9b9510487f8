"""What a question is about: the one intent vocabulary shared by the API, the RAG layer and the providers."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """The topic of a question. A StrEnum, so each member equals (and serialises as) its value."""

    PERSONALITY = "personality"
    THINKING_SKILLS = "thinking_skills"
    CAREERS = "careers"
    MAJORS = "majors"
    GENERAL_GUIDANCE = "general_guidance"
    SMALLTALK = "smalltalk"
    OUT_OF_SCOPE = "out_of_scope"
    # Not a topic the classifier picks: the safety layer answered (distress or abuse), before any
    # classifier, retrieval or provider saw the message.
    SAFETY = "safety"


INTENTS: tuple[str, ...] = tuple(intent.value for intent in Intent)

# The document each intent is mainly about; retrieval boosts it and gap notes are keyed by it.
INTENT_DOCUMENT: dict[Intent, str] = {
    Intent.PERSONALITY: "personality_profile",
    Intent.THINKING_SKILLS: "thinking_skills",
    Intent.CAREERS: "career_recommendations",
    Intent.MAJORS: "major_recommendations",
}

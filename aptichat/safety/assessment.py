"""`assess()`: the safety check every chat message goes through before any provider sees it."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from aptichat.safety.normalise import normalise
from aptichat.safety.signals import SIGNALS, TOPIC_CONTEXT

if TYPE_CHECKING:
    from aptichat.embeddings.base import Embedder


class SafetyCategory(StrEnum):
    DISTRESS = "distress"  # self-harm, suicide, hopelessness, crisis, abuse at home, being hurt
    ABUSE = "abuse"  # insults at the advisor or others, threats
    NONE = "none"


class SafetyAssessment(BaseModel):
    """What the check found. `signals` are rule names only, never message text, so they can be
    stored with the staff-review flag."""

    model_config = ConfigDict(frozen=True)

    category: SafetyCategory
    signals: tuple[str, ...] = ()
    # True when every distress signal is about someone hurting the writer (the reply says so).
    harmed_by_others: bool = False

    @property
    def needs_safe_reply(self) -> bool:
        """The message must get `safe_reply()` instead of a provider's answer."""
        return self.category is not SafetyCategory.NONE

    @property
    def flag_for_review(self) -> bool:
        """Staff should see this conversation (admin review queue)."""
        return self.category is not SafetyCategory.NONE


def assess(message: str, embedder: Embedder | None = None) -> SafetyAssessment:
    """Classify one chat message as distress, abuse or none. Deterministic and offline.

    Without `embedder`, the rules alone decide. With one (the app's local embedder), the embedding
    layers (`semantic.judge`) also run when the rules found nothing: an exemplar hit makes the message
    distress (signal "semantic_distress"), else the learned classifier may make it distress
    ("learned_distress") or abuse ("learned_abuse"); they never clear or change a rule's finding.

    Distress wins over abuse ("fuck this, I want to die" is distress): the cost of missing a
    student in crisis is far higher than that of a gentle reply to an angry one.
    """
    text = normalise(message)
    hits = [signal for signal in SIGNALS if signal.pattern.search(text)]
    if any(s.kind == "topic" for s in hits) and TOPIC_CONTEXT.search(text):
        hits = [s for s in hits if s.kind != "topic"]
    names = tuple(s.name for s in hits)
    distress_kinds = {s.kind for s in hits if s.kind in ("self", "harmed", "topic")}
    # The semantic layer judges only messages the rules found nothing in: an insult keeps its
    # boundary reply ("go kill yourself" sits near "i want to kill myself" in embedding space).
    if not hits and embedder is not None:
        from aptichat.safety.learned import ABUSE_SIGNAL_NAME
        from aptichat.safety.semantic import judge

        signal = judge(message, embedder)
        if signal == ABUSE_SIGNAL_NAME:
            return SafetyAssessment(category=SafetyCategory.ABUSE, signals=(signal,))
        if signal is not None:
            return SafetyAssessment(category=SafetyCategory.DISTRESS, signals=(signal,))
    if distress_kinds:
        return SafetyAssessment(
            category=SafetyCategory.DISTRESS,
            signals=names,
            harmed_by_others=distress_kinds == {"harmed"},
        )
    if hits:
        return SafetyAssessment(category=SafetyCategory.ABUSE, signals=names)
    return SafetyAssessment(category=SafetyCategory.NONE)

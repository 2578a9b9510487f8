"""`assess()`: the safety check every chat message goes through before any provider sees it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from aptichat.safety.normalise import normalise
from aptichat.safety.signals import SIGNALS, TOPIC_CONTEXT


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


def assess(message: str) -> SafetyAssessment:
    """Classify one chat message as distress, abuse or none. Deterministic and offline.

    Distress wins over abuse ("fuck this, I want to die" is distress): the cost of missing a
    student in crisis is far higher than that of a gentle reply to an angry one.
    """
    text = normalise(message)
    hits = [signal for signal in SIGNALS if signal.pattern.search(text)]
    if any(s.kind == "topic" for s in hits) and TOPIC_CONTEXT.search(text):
        hits = [s for s in hits if s.kind != "topic"]
    names = tuple(s.name for s in hits)
    distress_kinds = {s.kind for s in hits if s.kind in ("self", "harmed", "topic")}
    if distress_kinds:
        return SafetyAssessment(
            category=SafetyCategory.DISTRESS,
            signals=names,
            harmed_by_others=distress_kinds == {"harmed"},
        )
    if hits:
        return SafetyAssessment(category=SafetyCategory.ABUSE, signals=names)
    return SafetyAssessment(category=SafetyCategory.NONE)

"""The safety layer in front of every answer provider (issue 16).

    assessment = assess(question)
    if assessment.needs_safe_reply:
        answer = safe_reply(assessment, helpline=settings_helpline)   # no provider call
        flag the conversation for staff review with assessment.signals (names only)

`assess(message)` is deterministic, offline and takes well under a millisecond: rules over a
normalised form of the message (typos, leetspeak, spelled-out letters, accents), written by
category in English (`signals.py`) and in Spanish, French, German, Portuguese, Italian, Dutch,
Polish and Turkish (`lexicon.py`). `assess(message, embedder)` adds two embedding
layers for messages the rules found nothing in (`semantic.py`): the message's sentences against
exemplar banks embedded once per model, then a small learned classifier (`learned.py`, trained by
`training.py`, weights in `data/classifier.npz`) over the same vectors and hashed character n-grams,
which generalises to new wording and other languages. Both can only add a finding. The reply wording is in `replies.py`.
"""

from aptichat.safety.assessment import SafetyAssessment, SafetyCategory, assess
from aptichat.safety.replies import ABUSE_REPLY, DEFAULT_HELPLINE, DISTRESS_REPLY, HARMED_REPLY, safe_reply

__all__ = [
    "ABUSE_REPLY",
    "DEFAULT_HELPLINE",
    "DISTRESS_REPLY",
    "HARMED_REPLY",
    "SafetyAssessment",
    "SafetyCategory",
    "assess",
    "safe_reply",
]

"""The fixed replies the safety layer sends. All wording lives here so a reviewer reads it in one place.

Rules the wording follows (checked by tests/safety): warm and short; points to a real person (a
trusted adult, a school counsellor, local emergency services or a crisis line); no career, score or
results content; no diagnosis or labels ("depression", "suicidal", "disorder"); no made-up phone
numbers. The deployment supplies its own helpline sentence (settings), or the generic one is used.
"""

from __future__ import annotations

from aptichat.safety.assessment import SafetyAssessment, SafetyCategory

# Used when the deployment has not configured a helpline of its own. Deliberately names no number:
# a wrong number in a crisis is worse than none.
DEFAULT_HELPLINE = (
    "You can also reach a crisis line in your country by phone or text; a teacher, school counsellor "
    "or another adult you trust can help you find the right one."
)

DISTRESS_REPLY = (
    "Thank you for telling me. I'm really sorry you're feeling this way, and I'm glad you said it. "
    "You deserve support from a real person right now, and you don't have to handle this alone.\n\n"
    "Please talk to someone you trust today: a parent or another trusted adult, a teacher, or your "
    "school counsellor. {helpline}\n\n"
    "If you might hurt yourself or you are in danger right now, please call your local emergency "
    "number or go to the nearest emergency department.\n\n"
    "I'm only a chat assistant and not the right help for this, but the people above are. I'll still "
    "be here whenever you want to talk about something else."
)

HARMED_REPLY = (
    "Thank you for telling me. What you describe is serious, and it is not your fault. No one has the "
    "right to hurt you.\n\n"
    "Please tell an adult you trust as soon as you can: a teacher, your school counsellor, or another "
    "adult who can help keep you safe. {helpline}\n\n"
    "If you are in danger right now, please call your local emergency number.\n\n"
    "You deserve to be safe, and you don't have to deal with this alone."
)

ABUSE_REPLY = (
    "I'm here to help, and I'm happy to keep going, but I won't continue with insults or threats. "
    "If something is upsetting you, tell me what you'd like to know and we can start again. If you "
    "are thinking about hurting someone, please talk to a teacher, a counsellor or another adult you "
    "trust right away."
)


def safe_reply(assessment: SafetyAssessment, helpline: str | None = None) -> str:
    """The fixed reply for a flagged message. `helpline` is the deployment's own sentence, e.g.
    "In the UK you can call Samaritans free on 116 123, day or night."; None uses the generic one."""
    line = (helpline or "").strip() or DEFAULT_HELPLINE
    if assessment.category is SafetyCategory.DISTRESS:
        template = HARMED_REPLY if assessment.harmed_by_others else DISTRESS_REPLY
        return template.format(helpline=line)
    if assessment.category is SafetyCategory.ABUSE:
        return ABUSE_REPLY
    raise ValueError("safe_reply() is only for messages assess() flagged; answer this one normally")

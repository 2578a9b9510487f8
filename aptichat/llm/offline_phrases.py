"""The wording of the offline composer, per intent, kept apart from its selection logic.

Written to read like an encouraging advisor: a framing line, the answer, the reasons, a next step.
"""

from __future__ import annotations

# How a section's source is named in a sentence ("According to your personality profile: ...").
SOURCE_LABELS: dict[str, str] = {
    "personality_profile": "your personality profile",
    "thinking_skills": "your thinking-skills results",
    "career_recommendations": "your career recommendations",
    "major_recommendations": "your major recommendations",
    "catalog_job": "the job catalog",
    "catalog_major": "the majors catalog",
    "scale_guide": "the guide to the test's scales",
}

# How a missing document is named in a gap note ("I don't have your thinking skills ...").
GAP_LABELS: dict[str, str] = {
    "personality_profile": "personality profile",
    "thinking_skills": "thinking skills",
    "career_recommendations": "career recommendations",
    "major_recommendations": "major recommendations",
}

# Document types that answer each intent best, strongest first.
INTENT_TYPES: dict[str, tuple[str, ...]] = {
    "personality": ("personality_profile", "scale_guide"),
    "thinking_skills": ("thinking_skills", "scale_guide"),
    "careers": ("career_recommendations", "catalog_job", "personality_profile"),
    "majors": ("major_recommendations", "catalog_major", "thinking_skills"),
    "general_guidance": ("career_recommendations", "major_recommendations", "personality_profile", "thinking_skills"),
}

# The document a question of this intent is really about: if it is a gap, say so first.
INTENT_GAP_TYPE: dict[str, str] = {
    "personality": "personality_profile",
    "thinking_skills": "thinking_skills",
    "careers": "career_recommendations",
    "majors": "major_recommendations",
}

OPENERS: dict[str, str] = {
    "personality": "Here's what your results say about you.",
    "thinking_skills": "Here's what your thinking-skills results show.",
    "careers": "Good question - here's how your results connect to careers.",
    "majors": "Good question - here's how your results connect to fields of study.",
    "general_guidance": "Here's what your results suggest.",
}

TRANSITIONS: dict[str, str] = {
    "personality": "A few more things that stand out:",
    "thinking_skills": "In more detail:",
    "careers": "Why this fits you:",
    "majors": "What points in this direction:",
    "general_guidance": "Other things worth knowing:",
}

NEXT_STEPS: dict[str, str] = {
    "personality": (
        "These tendencies are strengths to build on, not boxes to fit in. Would you like to see which "
        "careers suit this profile, or how to make the most of it in your studies?"
    ),
    "thinking_skills": (
        "Thinking skills grow with practice, so treat this as a snapshot rather than a limit. Want to know "
        "which careers or majors make good use of your strongest areas?"
    ),
    "careers": (
        "A good next step is to pick one of these and find out what the work looks like day to day and "
        "what training it needs. Shall I compare two options for you, or show majors that lead there?"
    ),
    "majors": (
        "A good next step is to look at a course list for one of these and see which subjects excite "
        "you. Would you like to hear which careers these majors lead to?"
    ),
    "general_guidance": (
        "You don't have to decide everything at once: start with what interests you most and explore from "
        "there. What would you like to look at next - your strengths, careers or majors?"
    ),
}

SMALLTALK_GREETING = (
    "Hi! I'm your AptiChat advisor. I can explain your personality profile and thinking skills, and "
    "talk through the careers and majors that fit your results. What would you like to know?"
)
SMALLTALK_THANKS = (
    "You're welcome! If anything else comes to mind - your strengths, a career you're curious about, "
    "or which majors fit you - just ask."
)
SMALLTALK_BYE = "Good luck with your next steps! Come back any time you want to talk through your results."

OUT_OF_SCOPE = (
    "That's outside what I can help with here - I'm an advisor for your aptitude-test results. I can "
    "tell you about your personality, your thinking skills, and careers or majors that fit you. You "
    'could ask, for example, "What are my strengths?" or "Which careers suit me?"'
)

NO_SECTIONS = (
    "I don't have that in your results yet, so I'd rather not guess. You could ask about another part "
    "of your results, or check back once they have been processed."
)
GAP_NOTE = "One thing first: I don't have your {label} ({reason})."
GAP_NOTE_SENTENCE = "One thing first: {reason}."
GAP_ONLY = "So I can't answer that from your own results. {suggestion}"
GAP_GENERAL = "What I can share is the general background:"
SUGGEST_OTHERS = "I can still tell you about your {others}."
GAP_FOLLOW_UP = "What would you like to look at?"

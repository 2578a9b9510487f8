"""The wording of the offline composer, per intent, kept apart from its selection logic.

Data, plus the two functions that pick the wording of a gap note.

Written to read like an encouraging advisor: a framing line, the answer, the reasons, a next step.
"""

from __future__ import annotations

import re

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

# The heading above the supporting points, per intent.
TRANSITIONS: dict[str, str] = {
    "personality": "What stands out:",
    "thinking_skills": "In more detail:",
    "careers": "Why they fit you:",
    "majors": "Why they fit you:",
    "general_guidance": "What stands out about you:",
}

# Recommendation answers (careers and majors); {noun} is "career" or "major".
RANKED_LEAD = "Your strongest {noun} matches are {names}{citation}."
RANKED_LEAD_ONE = "Your strongest {noun} match is {name}{citation}."
RANKED_FOCUS = "{title} is your {place} {noun} match{fit}{citation}."
# "Your recommended ... don't include {title}": right whether the title is singular (Economics) or plural (Lawyers)
RANKED_NOT_LISTED = "Your recommended {noun}s don't include {title}; your strongest matches are {names}{citation}."
RANKED_WHY_ONE = "Why it fits you:"
RANKED_OTHERS = "Your other top matches are {names}{citation}."
RANKED_ABOUT = "About the {kind}: {text}"
GENERAL_MAJORS = "The majors that fit you best are {names}{citation}."
NOUNS: dict[str, str] = {"career_recommendations": "career", "major_recommendations": "major"}

# Sentences that are advice about reading the document, not content: never used as a point, so an
# answer does not repeat what its next step already says.
BOILERPLATE: tuple[str, ...] = (
    "you can ask about any",
    "rather than a limit",
    "starting point for reflection",
    "every profile has its own strengths",
    "skills develop with practice",
)

# Question words that stand for words the documents use ("strengths" -> "pronounced", "strongest").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "strength": ("strongest", "pronounced", "strength", "high"),
    "strong": ("strongest", "pronounced", "strength", "high"),
    "good": ("strongest", "strength", "high"),
    "best": ("strongest", "pronounced", "high"),
    "weak": ("low", "room", "grow"),
    "weakness": ("low", "room", "grow"),
    "improve": ("room", "grow", "low"),
    "introvert": ("extraversion",),
    "extravert": ("extraversion",),
    "extrovert": ("extraversion",),
    "stress": ("calm", "pressure", "emotional", "sensitivity"),
    "math": ("numerical",),
    "maths": ("numerical",),
    "organis": ("conscientiousness", "organised"),
    "organiz": ("conscientiousness", "organised"),
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

# A general question about the test itself gets this first: what results are and are not.
ABOUT_THE_TEST_QUESTION = re.compile(
    r"\b(decide[sd]? (my|your|the) future|define[sd]? me|(results?|scores?) (ever |really )?change|take (the|this|it) "
    r"(test )?again|retak\w*|accurate|reliab\w*|trust (these|my|the|this)|set in stone|permanent|forever|"
    r"(is|are) (this|these|it|the results?) (even )?(right|true|correct|valid|real)|how (does|did) (this|the) test work"
    r")\b",
    re.I,
)
ABOUT_THE_TEST = (
    "Your results are a snapshot of how you answered on the day: a starting point for reflection, not a "
    "limit or a verdict. Interests and skills can change and grow with time and practice, so a later "
    "test may differ, and you decide what to do with them."
)

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


def gap_note(intent: str, gaps: dict[str, str]) -> str | None:
    """The opening sentence when the document the question is about is missing, else None."""
    gap_type = INTENT_GAP_TYPE.get(intent)
    if gap_type and gap_type in gaps:
        reason = gaps[gap_type].strip().rstrip(".") or "it is not available"
        label = GAP_LABELS.get(gap_type, gap_type.replace("_", " "))
        if label in reason.lower():
            # The reason already names what is missing ("your thinking skills were not measured").
            return GAP_NOTE_SENTENCE.format(reason=reason[0].upper() + reason[1:])
        return GAP_NOTE.format(label=label, reason=reason)
    return None


def suggest_others(gaps: dict[str, str]) -> str:
    """What the person can still ask about, given the documents they are missing."""
    others = [label for doc, label in GAP_LABELS.items() if doc not in gaps]
    if not others:
        return "Once your results are in, I'll be able to help."
    listed = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " or " + others[-1]
    return SUGGEST_OTHERS.format(others=listed)


# -- answers per question type (aptichat.llm.offline_questions) --------------------------------------

NEXT_STEP_COMPARE = (
    "To choose between {a} and {b}, find out what a normal working week looks like in each, and if you can, "
    "talk to someone who does the work. Would you like the majors that lead to either?"
)
WHY_NOT_LEAD = "Your recommended {kind}s don't include {title}."
WHY_NOT_TRANSITION = "How it fits your results:"
WHY_NOT_UNKNOWN = (
    "I couldn't find {name} among your recommended {kind}s or in the catalog your {kind}s are matched against, "
    "so I can't work out how well it fits your results."
)
WORRY_LEAD_ITEM = "It's a fair question. Your recommended {kind}s don't include {title}."
WORRY_LEAD_LISTED = (
    "It's a fair question, and your results point towards it: {title} is your {place} {kind} match{fit} [{n}]."
)
WORRY_LISTED_HONEST = (
    "A match says your interests and strengths fit the work, not that it will be easy: like anyone, you would "
    "still need the training and practice it takes."
)
WORRY_ITEM_NOT_CLOSED = (
    "A lower fit means your interests and skills point more strongly elsewhere, not that {title} is out of reach: "
    "interests can grow, and skills grow with practice."
)
WHY_NOT_NEXT = (
    "Your list shows where your results point most strongly, not what you may or may not do. If you are drawn "
    "to {name}, that matters: find out what the work involves day to day and talk to someone who does it."
)
WORRY_LEAD = "That's a very common worry, so let's look at what your results actually say rather than guess:"
WORRY_STRENGTH = "Your results show a real strength to build on: {name} ({phrase}) [{n}]."
WORRY_AVERAGE = "Average means you did as well as most people who took the test: that is a solid base, not a weakness."
WORRY_CLOSE = (
    "These scores are so close that the differences are within the test's measurement error, so read them "
    "as one level rather than a ranking [{cites}]."
)
WORRY_NEXT = (
    "A test is a snapshot of one day, and thinking skills grow with practice. Pick the area you care about "
    "most, practise it a little each week, and talk to a teacher or school counsellor about where you want to go."
)
WORRY_LOW = (
    "{name} ({phrase}) is the area with the most room to grow [{n}]. Low means you scored below most people "
    "who took this test on that day, not that you can't do it: it is where practice pays off most."
)
WORRY_LOW_ASKED = (
    "Honestly, your {name} ({phrase}) is below most people who took this test on that day [{n}]. That is not a verdict "
    "that you can't do it: it is where practice pays off most."
)
WORRY_NEXT_BUILD = (
    "A test is a snapshot of one day, and thinking skills grow with practice. Build on your {best}, keep "
    "practising what the path you want needs, and talk to a teacher or school counsellor about where you want to go."
)
WORRY_NEXT_PRACTISE = (
    "A test is a snapshot of one day, and thinking skills grow with practice. Build on your {best}, practise "
    "{practise} a little each week (past test questions or puzzles of that kind), and talk to a teacher or "
    "school counsellor about where you want to go."
)
CODE_ORDER_CLOSE = (
    " With scores this close, read the letters as a group: their order could easily differ on another day."
)
CODE_CLOSE = (
    "{names} are within the test's measurement error of each other, so their order in your code could easily "
    "swap on another day: read them as a group [{n}]."
)
CODE_CLEAR = "The order is clear: {name} ({value} out of 100) leads by more than the test's measurement error [{n}]."
OVERVIEW_LEAD = "Here is your whole test in short, one line per part of your report:"
CLOSE_TO_STRONGEST = (
    "{names} are within the test's measurement error of each other, so read them as about the same rather than "
    "one above the other [{cites}]."
)
WORRY_NEXT_PRACTISE_ONLY = (
    "A test is a snapshot of one day, and thinking skills grow with practice. Practise {practise} a little each "
    "week (past test questions or puzzles of that kind), and talk to a teacher or school counsellor about where "
    "you want to go."
)
WORRY_LEAD_GAP = "So I can't tell you how you compare on that, but here is what your other results do say:"
WORRY_NEXT_GAP = (
    "If you want to know where you stand, a teacher or school counsellor can suggest a way to try those skills "
    "out; your interests and the matches they give are a good place to start in the meantime."
)
WORRY_NEXT_PERSONALITY = (
    "Personality results describe tendencies, not limits: people with every profile do well in many kinds of "
    "work. Try the situation that worries you in a small way first, and talk to a teacher or school counsellor "
    "about where you want to go."
)
NEXT_STEP_LEAD = "Here is a concrete plan you can start on this month:"
NEXT_STEP_LEAD_CHOOSE = "Here is a concrete plan to choose between them:"
NEXT_STEP_CAREER = (
    "Explore {title}{standing}: look at what the work involves day to day and what training it needs [{n}]."
)
NEXT_STEP_MAJOR = "Look at a course list for {title}{standing} and see which subjects excite you [{n}]."
NEXT_STEP_GENERAL: tuple[str, ...] = (
    "Try it out: a school project, volunteering or a short job-shadowing visit in that field.",
    "Talk to a school counsellor or a teacher you trust about these results and your plan.",
)
NEXT_STEP_CLOSE = "Would you like me to compare two of your options, or explain why one of them fits you?"

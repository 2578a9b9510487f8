"""The advisor's words for each scale and level. Kept apart from the models so the wording can be
improved without touching validation. Tone: encouraging, descriptive, never diagnostic."""

from __future__ import annotations

from aptichat.documents.enums import Level

# What each Big Five tendency looks like at each level, framed as strengths and preferences.
TENDENCY_TEXT: dict[str, dict[Level, str]] = {
    "openness": {
        Level.high: "You are drawn to new ideas, art and experiences, and you enjoy exploring possibilities "
        "others might not consider. Creative, exploratory settings tend to energise you.",
        Level.average: "You balance curiosity with practicality: you are open to new ideas when they are useful "
        "and also value approaches that have proven themselves.",
        Level.low: "You value the practical and the proven. You tend to prefer clear, concrete tasks and "
        "familiar methods, which makes you steady and dependable in getting things done.",
    },
    "conscientiousness": {
        Level.high: "You are organised, reliable and goal-directed. Planning ahead and following through come "
        "naturally to you, a strength in roles that reward careful, thorough work.",
        Level.average: "You can be organised and focused when it matters while staying flexible about how "
        "things get done.",
        Level.low: "You are flexible and spontaneous, comfortable adapting plans as you go. Settings with "
        "variety and room to improvise may suit you, and simple routines can help with long projects.",
    },
    "extraversion": {
        Level.high: "You gain energy from people and activity. You tend to enjoy teamwork, conversation and "
        "taking the lead in social situations.",
        Level.average: "You are comfortable both with others and on your own, and can adjust to what a "
        "situation needs.",
        Level.low: "You tend to recharge with quieter time and often prefer depth over breadth in your "
        "relationships. Focused, independent work can bring out your best.",
    },
    "agreeableness": {
        Level.high: "You are warm, cooperative and considerate. People likely find you easy to work with, "
        "and you care about harmony and helping others.",
        Level.average: "You combine cooperation with the ability to stand your ground when something matters to you.",
        Level.low: "You are direct and independent-minded, comfortable questioning ideas and negotiating, "
        "which is valuable wherever tough decisions or candid feedback are needed.",
    },
    "neuroticism": {
        Level.high: "You feel things strongly and notice risks and details others may miss. That sensitivity "
        "can make you thoughtful and careful; calm routines and supportive teams help you thrive.",
        Level.average: "You respond to everyday ups and downs in a balanced way, feeling pressure at times but "
        "generally recovering well.",
        Level.low: "You tend to stay calm and even-tempered under pressure, a steadiness that helps in "
        "demanding or fast-changing situations.",
    },
}

# What each Holland interest type enjoys, used for the interests sections.
INTEREST_TEXT: dict[str, str] = {
    "R": "hands-on, practical work with tools, machines, plants or animals, often outdoors or building things",
    "I": "investigating, analysing and solving problems, especially with ideas, science and data",
    "A": "creating and expressing yourself through art, design, writing, music or new ideas",
    "S": "helping, teaching, caring for and working with people",
    "E": "leading, persuading, starting projects and taking initiative in business or public life",
    "C": "organising information, keeping things in order and working with clear procedures and data",
}

INTEREST_LEVEL_TEXT: dict[Level, str] = {
    Level.high: "This is one of your strongest interest areas, so work that includes it is likely to feel "
    "engaging and motivating.",
    Level.average: "This is a moderate interest for you: it can be a rewarding part of your work alongside "
    "your stronger interests.",
    Level.low: "This area is less prominent in your interests right now. That is useful to know: roles "
    "centred on it may feel less rewarding, though interests can grow with experience.",
}

# What each thinking skill covers, and how to read each level.
SKILL_TEXT: dict[str, str] = {
    "verbal": "understanding written information, word meanings and arguments",
    "numerical": "working with numbers, quantities, charts and data",
    "spatial": "picturing shapes and objects and how they fit or move in space",
    "logical": "spotting patterns and rules and reasoning step by step to a conclusion",
    "memory": "holding and working with several pieces of information at once",
}

SKILL_LEVEL_TEXT: dict[Level, str] = {
    Level.high: "This is a clear strength you can lean on in your studies and career choices.",
    Level.average: "This is a solid, dependable skill that you can keep building with practice.",
    Level.low: "This is an area with room to grow; practice and the right learning strategies can make "
    "a real difference, and many paths do not rely on it heavily.",
}

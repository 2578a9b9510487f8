"""The scales AptiChat knows, with their stable ids. Every layer (legacy queries, documents, chat)
uses these ids; display names are for people."""

from __future__ import annotations

# Personality tendencies: the Big Five domains.
BIG_FIVE: dict[str, str] = {
    "openness": "Openness to experience",
    "conscientiousness": "Conscientiousness",
    "extraversion": "Extraversion",
    "agreeableness": "Agreeableness",
    "neuroticism": "Emotional sensitivity",
}

# Interests: Holland RIASEC types, keyed by their letter.
RIASEC: dict[str, str] = {
    "R": "Realistic",
    "I": "Investigative",
    "A": "Artistic",
    "S": "Social",
    "E": "Enterprising",
    "C": "Conventional",
}
RIASEC_LETTERS = tuple(RIASEC)

# Thinking skills (ability items scored right or wrong).
THINKING_SKILLS: dict[str, str] = {
    "verbal": "Verbal reasoning",
    "numerical": "Numerical reasoning",
    "spatial": "Spatial reasoning",
    "logical": "Logical reasoning",
    "memory": "Working memory",
}

ALL_SCALES: frozenset[str] = frozenset(BIG_FIVE) | frozenset(RIASEC) | frozenset(THINKING_SKILLS)


def level_for_percentile(percentile: float) -> str:
    """'low' below the 30th percentile, 'high' from the 70th, else 'average'."""
    if percentile < 30:
        return "low"
    if percentile >= 70:
        return "high"
    return "average"

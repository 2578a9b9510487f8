"""Who is asking must not change what they are told: the text used to classify and retrieve is
stripped of identity words (gendered nouns, pronouns, a self-introduced name), so "As a girl, which
careers fit me?" and "As a boy, ..." find the same sections in the same order. Recommendations already
depend only on scores (tests/documents/test_fairness.py); this keeps retrieval and the composer's
selection, which follow the question's embedding, from drifting with identity
(tests/api/rag/test_fairness_answers.py). The stored question and the answer are not rewritten."""

from __future__ import annotations

import re

# word -> its neutral form ("" drops it); plurals and possessives are handled by the pattern
_NEUTRAL = {
    **dict.fromkeys(("girl", "boy", "guy", "gal", "lad", "lass", "teen", "teenager"), "student"),
    **dict.fromkeys(("woman", "man", "lady", "gentleman"), "person"),
    **dict.fromkeys(("women", "men", "ladies", "gentlemen"), "people"),
    **dict.fromkeys(("female", "male", "nonbinary", "non-binary", "enby", "trans", "cis"), ""),
    **dict.fromkeys(("sister", "brother", "sis", "bro"), "sibling"),
    **dict.fromkeys(("mother", "father", "mom", "mum", "dad", "mommy", "mummy", "daddy", "mama", "papa"), "parent"),
    **dict.fromkeys(("aunt", "uncle", "auntie", "niece", "nephew"), "relative"),
    **dict.fromkeys(("grandma", "grandpa", "grandmother", "grandfather", "granny", "grandad"), "grandparent"),
    **dict.fromkeys(("son", "daughter"), "child"),
    **dict.fromkeys(("husband", "wife", "boyfriend", "girlfriend"), "partner"),
    **dict.fromkeys(("she", "he"), "they"),
    **dict.fromkeys(("her", "him", "his", "hers"), "their"),
    **dict.fromkeys(("herself", "himself"), "themselves"),
    "they": "they",
    "them": "their",
    "theirs": "their",
}
_WORDS = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, _NEUTRAL), key=len, reverse=True)) + r")(?:'s|s)?(?![\w-])",
    re.IGNORECASE,
)
# "she/her pronouns", "(he/him)", "they/them": the pronoun sets themselves
_PRONOUN_SETS = re.compile(
    r"\b(?:she|he|they|xe|ze)\s*/\s*(?:her|him|them|hers|his|theirs|xem|zir)\b(?:\s+pronouns)?", re.I
)
# a capitalised word, not an acronym (SIA, RIASEC): the second letter is lower-case
_NAME = r"[A-Z][^\W\d_A-Z][\w'\u2019-]*(?:\s+[A-Z][^\W\d_A-Z][\w'\u2019-]*){0,2}"
# a self-introduced name: "Maria here:", "my name is John Smith", "this is Mohammed,", "I'm Maria,"
_INTRODUCTIONS = (
    re.compile(rf"(?:^|(?<=[.!?])\s+)(?:(?i:hi|hey|hello)[\s,!]+)?({_NAME})\s+here\b[\s:,.!-]*"),
    re.compile(rf"\b(?i:my name is|my name's|this is)\s+({_NAME})\b[\s,.!:;-]*"),
    re.compile(rf"\b(?i:i am|i'm|i\u2019m|im)\s+({_NAME})\s*[,.!:;-]\s*"),
)
_SPACES = re.compile(r"\s{2,}")


def neutral_query(text: str) -> str:
    """`text` without who is asking: self-introduced names dropped, pronoun sets dropped, gendered
    nouns and pronouns replaced by neutral ones. Only for classifying and retrieving."""
    out = text
    for pattern in _INTRODUCTIONS:
        out = pattern.sub(" ", out)
    out = _PRONOUN_SETS.sub(" ", out)
    out = _WORDS.sub(lambda m: _NEUTRAL[m.group(1).lower()], out)
    return _SPACES.sub(" ", out).strip() or text

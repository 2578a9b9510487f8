"""neutral_query: the identity words it removes, and the words it must leave alone."""

from __future__ import annotations

import pytest

from aptichat.neutral import neutral_query


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        (["As a girl, which careers fit me?", "As a boy, which careers fit me?"],
         "As a student, which careers fit me?"),
        (["My sister says I should be a nurse", "My brother says I should be a nurse"],
         "My sibling says I should be a nurse"),
        (["My mum thinks I should study nursing", "My dad thinks I should study nursing"],
         "My parent thinks I should study nursing"),
        (["My teacher said she thought so", "My teacher said he thought so", "My teacher said they thought so"],
         "My teacher said they thought so"),
        (["Maria here: what are my strengths?", "John Smith here: what are my strengths?"],
         "what are my strengths?"),
        (["Hi, I'm Maria García. Which majors?", "Hi, I'm Mohammed Al-Rashid. Which majors?"],
         "Hi, Which majors?"),
        (["As a girl who uses she/her pronouns, what are my interests?",
          "As a non-binary teen who uses they/them pronouns, what are my interests?"],
         "As a student who uses , what are my interests?"),
    ],
)  # fmt: skip
def test_identity_variants_become_one_query(variants: list[str], expected: str) -> None:
    assert {neutral_query(v) for v in variants} == {expected}


@pytest.mark.parametrize(
    "question",
    [
        "Why not Human Resources Specialist?",  # 'man' inside a word
        "Is there anything here for me?",  # 'here' without a name
        "I'm SIA, what does my code mean?",  # an acronym is not a name
        "Should I be a manager or a mechanic?",
        "which majors fit my personality?",
    ],
)
def test_ordinary_words_are_left_alone(question: str) -> None:
    assert neutral_query(question) == question

"""Faithfulness checks: does an answer say only what the sections it cites say?

Pure and deterministic (no model, no database), so it can gate every answer, Gemini's and the offline
composer's alike, and its problems can be fed back to a model in plain words. Four kinds of problem:

- `unsupported_number`: a number in the answer that no cited section states. A sentence's numbers
  are checked against the sections that sentence cites, or against every cited section when the
  sentence cites none. Numbers compare by value ("84th", "84%" and "84" are the same claim),
  fractions by both parts ("17/20" = "17 of 20" = "17 out of 20"), a decimal fit below 1 also as a
  percentage ("0.91" = "91%"). A percentile tied to a named scale ("openness ... 91st percentile")
  or a fit tied to a named career or major ("Registered Nurse (fit 84%)") must be *that* scale's or
  item's figure, not just any figure in the section.
  Not claims, so not checked: citation marks ("[2]"), list markers at the start of a line ("1.",
  "2)"), and small counts of things in a list, an integer up to 10 before a count noun ("2
  careers", "3 steps") or after "top" ("top 3"). A count like "17 of 20" or a rank like "2nd" is
  a claim and is checked. Numbers written as words ("nine") are not checked.
- `wrong_level`: a level word tied to a scale ("high agreeableness", "your openness is low",
  "Spatial reasoning: average", "you scored low on extraversion") that differs from the level a
  cited section gives that scale. Only those three shapes bind a level to a scale; "very high"
  counts as high, "above average" as average or high, "below average" as average or low.
- `dangling_citation`: "[n]" with no section n.
- `unsupported_citation`: section n does not support the sentence citing it. Support is: the
  sentence (with the uncited sentences just before it on the same line, which the citation closes)
  shares at least `MIN_SHARED_WORDS` content words with the section (stop-words and words every
  section uses removed, simple stemming), or all of its content words are the section's (a short
  quote: "Your Enterprising interest."), or it names the section's title or an item the section
  lists (a career, a major, a scale).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from aptichat.llm.text import display_title, keywords, mentions, sentences
from aptichat.llm.types import ContextSection
from aptichat.scales import BIG_FIVE, THINKING_SKILLS

ProblemKind = Literal["unsupported_number", "wrong_level", "dangling_citation", "unsupported_citation"]

MIN_SHARED_WORDS = 2
# Words nearly every section of a person's results uses: sharing them says nothing about support.
_GENERIC = frozenset(
    keywords(
        "score scores percentile around higher about test takers result results norm group area areas "
        "interest interests strong strongest career careers major majors match matches fit fits profile "
        "level high average low number"
    )
)

# Scale names as answers and sections write them, longest first so "working memory" wins over "memory".
# Interests are left out: their sections state scores, not levels, and "social" is an everyday word.
_SCALE_NAMES: dict[str, str] = {name.casefold(): name for name in (*BIG_FIVE.values(), *THINKING_SKILLS.values())}
_SCALE_NAMES.update(
    {
        alias: name
        for aliases, name in (
            (("openness",), BIG_FIVE["openness"]),
            (("neuroticism",), BIG_FIVE["neuroticism"]),
            (("extroversion",), BIG_FIVE["extraversion"]),
            (("verbal",), THINKING_SKILLS["verbal"]),
            (("numerical", "numeric"), THINKING_SKILLS["numerical"]),
            (("spatial",), THINKING_SKILLS["spatial"]),
            (("logical",), THINKING_SKILLS["logical"]),
            (("memory",), THINKING_SKILLS["memory"]),
        )
        for alias in aliases
    }
)
_SCALE = "(?:" + "|".join(re.escape(n) for n in sorted(_SCALE_NAMES, key=len, reverse=True)) + ")"
_LEVEL = r"(?:above[ -]average|below[ -]average|very high|very low|high|average|low)"
_ADVERB = r"(?:(?:very|quite|fairly|relatively|solidly|rated|at|in the)\s+)*"
# The three shapes that tie a level to a scale (see the module docstring).
_LEVEL_BINDINGS = (
    re.compile(rf"\b(?P<level>{_LEVEL})\s+(?:your\s+)?(?P<scale>{_SCALE})\b", re.I),
    re.compile(
        rf"\b(?P<scale>{_SCALE})(?:'s)?(?:\s+(?:score|scores|result|results|level|skills?))?\s*"
        rf"(?:is|are|was|were|:|\(|,)\s*{_ADVERB}(?:an?\s+)?(?P<level>{_LEVEL})\b(?!-)",
        re.I,
    ),
    re.compile(
        rf"\b(?:score[sd]?|are|is|were|was|rank(?:ed)?)\s+(?:very\s+)?(?P<level>{_LEVEL})\s+(?:on|in|for)\s+"
        rf"(?:your\s+)?(?P<scale>{_SCALE})\b",
        re.I,
    ),
)
_PERCENTILE_BINDINGS = (
    re.compile(
        rf"\b(?P<scale>{_SCALE})\b(?P<gap>[^.;\n\[]{{0,80}}?)\b(?P<pct>\d{{1,3}})(?:st|nd|rd|th)\s+percentile", re.I
    ),
    re.compile(
        rf"\b(?P<pct>\d{{1,3}})(?:st|nd|rd|th)\s+percentile\s+(?:in|for|on)\s+(?:your\s+)?(?P<scale>{_SCALE})\b", re.I
    ),
)
_LEVEL_ACCEPTS = {
    "high": {"high"},
    "very high": {"high"},
    "low": {"low"},
    "very low": {"low"},
    "average": {"average"},
    "above average": {"average", "high"},
    "below average": {"average", "low"},
}

_CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LINE_MARKER = re.compile(r"^\s*(?:[-*•]\s+)?\d{1,2}[.)]\s+")
_COUNT_NOUNS = (
    "careers?|majors?|options?|matches|match|areas?|things?|steps?|ideas?|ways?|tips?|points?|reasons?|"
    "choices?|fields?|subjects?|courses?|roles?|jobs?|paths?|letters?|questions?|scales?|interests?|"
    "tendencies|skills?"
)
_SMALL_COUNT = re.compile(
    rf"\btop\s+(\d{{1,2}})\b|\b(\d{{1,2}})\s+(?:(?:more|other|main|key|of\s+your)\s+)?(?:{_COUNT_NOUNS})\b", re.I
)
_NUMBER = re.compile(
    r"(?<![\w.])(?:"
    r"(?P<num>\d+)\s*(?:/|\bout of\b|\bof\b)\s*(?P<den>\d+)\b"  # 17/20, 17 of 20, 22 out of 100
    r"|(?P<code>\d+(?:[-.]\d+){2,})"  # catalog codes such as 29-1141.00
    r"|(?P<value>\d+(?:\.\d+)?)(?P<suffix>st|nd|rd|th|\s*%)?"
    r")(?!\w)",
    re.I,
)
_OVERVIEW_ITEM = re.compile(r"(?<!\S)\d{1,3}\.\s+(?P<title>\S[^\n(]*?)\s+\(fit (?P<fit>\d{1,3})%\)")
_ITEM_TITLE = re.compile(r"^\s*\d{1,3}\.\s+(?P<title>\S.*?)\s*$")
_ITEM_FIT = re.compile(r"with a fit of (?P<fit>\d{1,3})%")
_SECTION_LEVEL = re.compile(r"\b(?:score is|which is)\s+(?P<level>high|average|low)\b", re.I)
_SECTION_PERCENTILE = re.compile(r"\b(?P<pct>\d{1,3})(?:st|nd|rd|th)\s+percentile", re.I)


class FaithfulnessProblem(BaseModel):
    """One thing the answer says that its cited sections do not."""

    kind: ProblemKind
    description: str = Field(description="one sentence a model can act on")
    sentence: str = Field(default="", description="the sentence of the answer it is about")
    citation: int | None = None


class FaithfulnessReport(BaseModel):
    """The problems found in one answer, and how much was checked."""

    problems: list[FaithfulnessProblem] = Field(default_factory=list)
    numbers_checked: int = 0
    levels_checked: int = 0
    citations_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def kinds(self) -> list[str]:
        """The kinds of the problems, in order, repeats kept."""
        return [p.kind for p in self.problems]

    def feedback(self) -> str:
        """The problems as instructions for a regeneration prompt."""
        lines = [f"- {p.description}" for p in self.problems]
        return "Your previous answer had these problems; fix them and cite only what the sections say:\n" + "\n".join(
            lines
        )


# -- what the sections say --------------------------------------------------------------------------


@dataclass
class _Facts:
    """What one section states: numbers, scale levels and percentiles, item fits, names it mentions."""

    values: set[str]
    fractions: set[tuple[str, str]]
    levels: dict[str, str]  # scale display name -> high/average/low
    percentiles: dict[str, str]  # scale display name -> "84"
    fits: dict[str, str]  # item title, casefolded -> "91"
    names: list[str]  # titles a sentence may name to be supported by this section
    words: set[str]


def _scale_of(name: str) -> str:
    return _SCALE_NAMES[name.casefold()]


def _section_facts(section: ContextSection) -> _Facts:
    text = section.text
    values, fractions = _numbers(text)
    levels: dict[str, str] = {}
    percentiles: dict[str, str] = {}
    for pattern in _LEVEL_BINDINGS:
        for m in pattern.finditer(text):
            levels.setdefault(_scale_of(m["scale"]), m["level"].lower())
    for m in _PERCENTILE_BINDINGS[0].finditer(text):
        percentiles.setdefault(_scale_of(m["scale"]), m["pct"])
    title = display_title(section.title)
    if title.casefold() in _SCALE_NAMES:
        # A scale's own section: its first level and percentile are that scale's, named or not.
        scale = _scale_of(title)
        if (level := _SECTION_LEVEL.search(text)) is not None:
            levels[scale] = level["level"].lower()
        if (pct := _SECTION_PERCENTILE.search(text)) is not None:
            percentiles[scale] = pct["pct"]
    fits = {m["title"].strip().casefold(): m["fit"] for m in _OVERVIEW_ITEM.finditer(text)}
    names = [title, *(m["title"].strip() for m in _OVERVIEW_ITEM.finditer(text)), *levels, *percentiles]
    if (item := _ITEM_TITLE.match(section.title)) is not None and (fit := _ITEM_FIT.search(text)) is not None:
        fits.setdefault(item["title"].casefold(), fit["fit"])
    return _Facts(values, fractions, levels, percentiles, fits, names, keywords(f"{section.title} {text}") - _GENERIC)


def _numbers(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Every number value in `text` (fractions' parts too) and its fractions."""
    values: set[str] = set()
    fractions: set[tuple[str, str]] = set()
    for m in _NUMBER.finditer(_CITATION.sub(" ", text)):
        if m["num"]:
            fractions.add((m["num"], m["den"]))
            values.update((_norm(m["num"]), _norm(m["den"])))
        elif m["code"]:
            values.add(m["code"])
        else:
            values.add(_norm(m["value"]))
    return values, fractions


def _norm(value: str) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


# -- what the answer says ---------------------------------------------------------------------------


@dataclass
class _Sentence:
    text: str  # without citation marks' effect on words; marks kept for display
    cites: list[int]
    claim: str  # the sentence with the uncited sentences before it on the same line


def _answer_sentences(answer: str) -> list[_Sentence]:
    out: list[_Sentence] = []
    for line in answer.splitlines():
        line = _LINE_MARKER.sub("", line)
        pending: list[str] = []
        for sentence in sentences(line):
            cites = [int(n) for group in _CITATION.findall(sentence) for n in re.split(r"\s*[,;]\s*", group)]
            claim = " ".join([*pending, sentence])
            out.append(_Sentence(sentence, list(dict.fromkeys(cites)), claim))
            pending = [] if cites else [*pending, sentence]
    return out


def _claimed_numbers(sentence: str) -> list[re.Match[str]]:
    body = _CITATION.sub(lambda m: " " * len(m.group(0)), sentence)
    ignored = {m.start(g) for m in _SMALL_COUNT.finditer(body) for g in (1, 2) if m.group(g)}
    return [m for m in _NUMBER.finditer(body) if m.start() not in ignored]


def _short(sentence: str, limit: int = 90) -> str:
    plain = re.sub(r"\s+([.,;:!?])", r"\1", _CITATION.sub("", sentence)).strip()
    return plain if len(plain) <= limit else plain[:limit].rsplit(" ", 1)[0] + "..."


def _cites(ns: Sequence[int]) -> str:
    return ", ".join(f"[{n}]" for n in ns) or "none"


# -- the check --------------------------------------------------------------------------------------


def check_answer(answer_text: str, sections: Sequence[ContextSection]) -> FaithfulnessReport:
    """Every problem of `answer_text` against the `sections` it was written from (see module doc)."""
    by_n = {s.n: s for s in sections}
    facts = {s.n: _section_facts(s) for s in sections}
    report = FaithfulnessReport()
    parsed = _answer_sentences(answer_text)
    all_cited = list(dict.fromkeys(n for s in parsed for n in s.cites if n in by_n))
    available = ", ".join(f"[{n}]" for n in sorted(by_n)) or "none"
    for sentence in parsed:
        existing = [n for n in sentence.cites if n in by_n]
        for n in sentence.cites:
            report.citations_checked += 1
            if n not in by_n:
                report.problems.append(
                    FaithfulnessProblem(
                        kind="dangling_citation",
                        description=f"You cited [{n}], but there is no section [{n}] (the sections are {available}).",
                        sentence=sentence.text,
                        citation=n,
                    )
                )
            elif not _supports(facts[n], sentence):
                report.problems.append(
                    FaithfulnessProblem(
                        kind="unsupported_citation",
                        description=f'You cited [{n}] for "{_short(sentence.text)}", but section [{n}] '
                        f'("{display_title(by_n[n].title)}") does not say that.',
                        sentence=sentence.text,
                        citation=n,
                    )
                )
        basis = existing or all_cited
        _check_levels(report, sentence, basis, facts)
        _check_numbers(report, sentence, basis, facts)
    return report


def _supports(facts: _Facts, sentence: _Sentence) -> bool:
    claim_words = keywords(_CITATION.sub(" ", sentence.claim))
    specific = claim_words - _GENERIC
    if len(specific & facts.words) >= MIN_SHARED_WORDS or (specific and specific <= facts.words):
        return True
    return any(name and mentions(claim_words, name) for name in facts.names)


def _check_levels(report: FaithfulnessReport, sentence: _Sentence, basis: list[int], facts: dict[int, _Facts]) -> None:
    seen: set[tuple[str, str]] = set()
    for pattern in _LEVEL_BINDINGS:
        for m in pattern.finditer(sentence.text):
            scale, level = _scale_of(m["scale"]), m["level"].lower().replace("-", " ")
            if (scale, level) in seen:
                continue
            seen.add((scale, level))
            stated = [(n, facts[n].levels[scale]) for n in basis if scale in facts[n].levels]
            if not stated:
                continue
            report.levels_checked += 1
            if not any(said in _LEVEL_ACCEPTS[level] for _, said in stated):
                n, said = stated[0]
                report.problems.append(
                    FaithfulnessProblem(
                        kind="wrong_level",
                        description=f'You called {scale} "{m["level"]}", but section [{n}] says it is {said}.',
                        sentence=sentence.text,
                        citation=n,
                    )
                )


def _check_numbers(report: FaithfulnessReport, sentence: _Sentence, basis: list[int], facts: dict[int, _Facts]) -> None:
    body = _CITATION.sub(lambda m: " " * len(m.group(0)), sentence.text)
    flagged: set[int] = set()  # start offsets already reported by a bound check
    for bound in _bound_numbers(body, basis, facts):
        report.numbers_checked += 1
        if bound.claimed != bound.stated:
            flagged.add(bound.start)
            report.problems.append(
                FaithfulnessProblem(
                    kind="unsupported_number",
                    description=bound.description(),
                    sentence=sentence.text,
                    citation=bound.n,
                )
            )
    values: set[str] = set()
    fractions: set[tuple[str, str]] = set()
    for n in basis:
        values |= facts[n].values
        fractions |= facts[n].fractions
    for m in _claimed_numbers(sentence.text):
        if m.start() in flagged:
            continue
        report.numbers_checked += 1
        if m["num"]:
            ok = (m["num"], m["den"]) in fractions
        elif m["code"]:
            ok = m["code"] in values
        else:
            value = _norm(m["value"])
            ok = value in values or (float(value) < 1 and _norm(str(round(float(value) * 100, 6))) in values)
        if not ok:
            where = f"the sections this sentence cites ({_cites(basis)})" if basis else "any cited section"
            report.problems.append(
                FaithfulnessProblem(
                    kind="unsupported_number",
                    description=f'You wrote "{m.group(0).strip()}" in "{_short(sentence.text)}", but it is not in '
                    f"{where}; use the figure the section gives or leave it out.",
                    sentence=sentence.text,
                    citation=basis[0] if basis else None,
                )
            )


@dataclass
class _Bound:
    """A figure tied to a scale or an item in the answer, and what a cited section states for it."""

    start: int
    claimed: str
    n: int
    stated: str
    name: str
    percentile: bool

    def description(self) -> str:
        if self.percentile:
            return (
                f"You wrote the {_ordinal(self.claimed)} percentile for {self.name}, but section [{self.n}] "
                f"says {_ordinal(self.stated)}."
            )
        return f"You wrote a fit of {self.claimed}% for {self.name}, but section [{self.n}] says {self.stated}%."


def _bound_numbers(body: str, basis: list[int], facts: dict[int, _Facts]) -> list[_Bound]:
    """Each percentile tied to a scale and each fit tied to a named career or major, where a cited
    section states that scale's or item's figure."""
    out: list[_Bound] = []
    for pattern in _PERCENTILE_BINDINGS:
        for m in pattern.finditer(body):
            gap = m.groupdict().get("gap") or ""
            if re.search(rf"\b{_SCALE}\b", gap, re.I):
                continue  # another scale sits in between: the number is not this one's
            scale = _scale_of(m["scale"])
            stated = next(((n, facts[n].percentiles[scale]) for n in basis if scale in facts[n].percentiles), None)
            if stated is not None:
                out.append(_Bound(m.start("pct"), m["pct"], stated[0], stated[1], scale, True))
    titles = {t: (n, fit) for n in reversed(basis) for t, fit in facts[n].fits.items()}
    for title, (n, fit) in titles.items():
        bound = re.compile(
            rf"\b{re.escape(title)}\b(?P<gap>[^.;\n\[]{{0,60}}?)(?:\bfit(?:\s+score)?(?:\s+of)?\s+|\()(?P<fit>\d{{1,3}})\s*%",
            re.I,
        )
        for m in bound.finditer(body):
            if any(other in m["gap"].casefold() for other in titles if other != title):
                continue
            out.append(_Bound(m.start("fit"), m["fit"], n, fit, _item_name(title, m.group(0)), False))
    return out


def _item_name(title: str, matched: str) -> str:
    return matched[: len(title)] if matched[: len(title)].casefold() == title else title


def _ordinal(n: str) -> str:
    k = int(n)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"

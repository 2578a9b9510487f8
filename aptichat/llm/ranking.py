"""What the offline composer says: the sections, sentences and recommendations that answer a question.

Three choices, each deterministic: which 2-4 sections are most relevant (`select_sections`), which
sentences of a section answer the question best (`gist`, `point_parts`), and the ranked careers or
majors with the reasons their sections give (`ranked_items`). Wording lives in `offline_phrases`,
assembly in `offline`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from aptichat.llm import offline_phrases as P
from aptichat.llm.text import (
    MAX_SENTENCE_CHARS,
    clip,
    display_title,
    ensure_period,
    is_boilerplate,
    keywords,
    question_keywords,
    same_thing,
    sentences,
)
from aptichat.llm.types import AnswerRequest, ContextSection

MIN_SECTIONS, MAX_SECTIONS = 2, 4
MAX_POINT_CHARS = 300
MAX_REASONS = 3

# Recommendation sections, as aptichat.documents.recommendations writes them.
_ITEM_TITLE = re.compile(r"^\s*(\d{1,3})\.\s+(\S.*?)\s*$")
_OVERVIEW_ENTRY = re.compile(r"(?<!\S)(\d{1,3})\.\s+(\S[^\n]*?)\s+\(fit (\d{1,3})%\)")
_FIT = re.compile(r"with a fit of (\d{1,3})%")
_WHY = re.compile(r"Why it fits you:\s*(.*)", re.S)
_AFTER_REASONS = ("it matches your", "skills it draws on", "(")
_ADDRESSES_PERSON = re.compile(r"\b(you|your|yours)\b", re.I)
# Scores as the personality and thinking-skills sections state them, for a compact bullet label.
_FACTS = (
    re.compile(r"score is (?P<level>\w+), around the (?P<pct>\d{1,3}(?:st|nd|rd|th)) percentile"),
    re.compile(r"around the (?P<pct>\d{1,3}(?:st|nd|rd|th)) percentile.*?which is (?P<level>\w+) for your"),
    re.compile(r"score is (?P<score>\d{1,3}) out of 100"),
)
# "Spatial reasoning is about ...", "Realistic interests are about ...": what a scale means, not a result.
_DEFINITION = re.compile(r"\b(is|are) about\b")
# Sentences that carry the person's own result, preferred as the direct answer.
_RESULT = re.compile(
    r"\b(percentile|out of 100|high|low|average|strongest|pronounced|most room|holland code|you are|you tend)\b", re.I
)


# -- ranked recommendations ------------------------------------------------------------------------


@dataclass
class RankedItem:
    """One recommended career or major, gathered from the overview list and its own section."""

    rank: int
    title: str
    fit: int | None = None
    section: ContextSection | None = None
    reasons: list[str] = field(default_factory=list)
    about: str | None = None


@dataclass
class Ranked:
    """The recommendations of one kind found among the provided sections."""

    noun: str
    overview: ContextSection | None
    items: dict[str, RankedItem]  # by casefolded title

    def by_rank(self) -> list[RankedItem]:
        return sorted(self.items.values(), key=lambda item: item.rank)

    def listed(self) -> list[RankedItem]:
        """Items named in the overview (the whole list), best first."""
        return [item for item in self.by_rank() if item.fit is not None or self.overview is None]


def ranked_items(sections: Sequence[ContextSection], document_type: str) -> Ranked | None:
    """The ranked recommendations of `document_type` in `sections`, or None when there are none in
    the recommendation format (then the answer is composed generically)."""
    noun = P.NOUNS.get(document_type)
    if noun is None:
        return None
    overview: ContextSection | None = None
    items: dict[str, RankedItem] = {}
    for section in sections:
        if section.document_type != document_type:
            continue
        entries = _OVERVIEW_ENTRY.findall(section.text)
        title_match = _ITEM_TITLE.match(section.title)
        if title_match is None and len(entries) >= 1 and overview is None:
            overview = section
            for rank, title, fit in entries:
                item = items.setdefault(title.strip().casefold(), RankedItem(int(rank), title.strip()))
                item.fit = int(fit)
        elif title_match is not None:
            rank, title = int(title_match.group(1)), title_match.group(2)
            item = items.setdefault(title.casefold(), RankedItem(rank, title))
            if item.section is None:
                item.section, item.rank = section, rank
                fit = _FIT.search(section.text)
                if fit and item.fit is None:
                    item.fit = int(fit.group(1))
                item.reasons, item.about = _reasons(section.text, title)
    if not items:
        return None
    return Ranked(noun, overview, items)


def _reasons(text: str, title: str) -> tuple[list[str], str | None]:
    """The reasons after "Why it fits you:" (the first always; more while they talk about the person),
    and the description of the career or major when the section has one."""
    why = _WHY.search(text)
    if why is None:
        # Not the usual shape: every sentence that is not the "is your top match" line is a reason.
        rest = [s for s in sentences(text) if not _FIT.search(s) and not is_boilerplate(s)]
        return [ensure_period(clip(s)) for s in rest[:MAX_REASONS]], None
    reasons: list[str] = []
    about: str | None = None
    stopped = False
    for sentence in sentences(why.group(1)):
        lowered = sentence.lower()
        if lowered.startswith(_AFTER_REASONS):
            stopped = True
            continue
        if not stopped and (not reasons or _ADDRESSES_PERSON.search(sentence)) and len(reasons) < MAX_REASONS:
            if not any(same_thing(sentence, r) for r in reasons):
                reasons.append(ensure_period(clip(sentence)))
            continue
        stopped = True
        if about is None and not _ADDRESSES_PERSON.search(sentence):
            about = ensure_period(clip(sentence))
    return reasons, about


# -- sections ---------------------------------------------------------------------------------------


def has_gap(request: AnswerRequest) -> bool:
    """Whether the document the question is about is missing for this person."""
    gap_type = P.INTENT_GAP_TYPE.get(request.intent)
    return bool(gap_type) and gap_type in request.gaps


def select_sections(request: AnswerRequest) -> list[ContextSection]:
    """The 2-4 most relevant sections, best first (fewer when fewer are relevant or provided)."""
    if not request.sections:
        return []
    question_words = question_keywords(request.question)
    preferred = P.INTENT_TYPES.get(request.intent, ())
    total = len(request.sections)
    scored = []
    for rank, section in enumerate(request.sections):
        title_words, body_words = keywords(section.title), keywords(section.text)
        overlap = 2 * len(question_words & title_words) + len(question_words & body_words)
        # Saturating: a catalog entry named exactly like the question must not drown out the
        # person's own document that mentions it; that one says *why*.
        relevance = 4.0 * (1 - 0.5**overlap)
        if overlap and not section.document_type.startswith(("catalog_", "scale_guide")):
            relevance += 1.0
        doc_type = section.document_type
        affinity = len(preferred) - preferred.index(doc_type) if doc_type in preferred else 0
        # The retriever's order is evidence too: a small prior that breaks ties in its favour.
        prior = (total - rank) / total
        scored.append((relevance + 1.5 * affinity + prior, -rank, section, overlap))
    if has_gap(request):
        # The documents this question is about are missing: only background that talks about the
        # question may stand in for them, never an unrelated part of the person's results.
        scored = [item for item in scored if item[2].document_type in preferred[1:] and item[3] > 0]
        if not scored:
            return []
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    best = scored[0][0]
    keep = [item[2] for item in scored if item[0] >= best * 0.5][:MAX_SECTIONS]
    if len(keep) < MIN_SECTIONS:
        keep = [item[2] for item in scored[:MIN_SECTIONS]]
    # The person's own results on what they asked about are relevant even when they share no
    # words with the question ("my results" -> the numerical reasoning section): fill up with them.
    own = preferred if request.intent == "general_guidance" else preferred[:1]
    for item in scored:
        if len(keep) >= MAX_SECTIONS:
            break
        if item[2].document_type in own and item[2] not in keep:
            keep.append(item[2])
    return keep


# -- sentences --------------------------------------------------------------------------------------


def gist(
    section: ContextSection, question_words: set[str], said: list[str], limit: int = MAX_SENTENCE_CHARS
) -> list[str]:
    """The sentence of `section` that best answers the question, with the sentence after it when
    that fits: it is usually the explanation ("... average. You are comfortable both ...")."""
    candidates = [s for s in sentences(section.text) if not is_boilerplate(s)] or sentences(section.text)
    candidates = [s for s in candidates if not any(same_thing(s, d) for d in said)]
    if not candidates:
        return []
    ranked = sorted(
        enumerate(candidates),
        key=lambda item: (
            -(2 * len(question_words & keywords(item[1])) + (1 if _RESULT.search(item[1]) else 0)),
            item[0],
        ),
    )
    position, best = ranked[0]
    first = ensure_period(clip(best, limit))
    if _DEFINITION.search(best):
        # A definition ("Spatial reasoning is about ...") is context, not the answer: lead with
        # the person's result when the section states one, named by the section's title.
        result = next((i for i, s in enumerate(candidates) if any(p.search(s) for p in _FACTS)), None)
        if result is not None:
            position = result
            first = ensure_period(clip(candidates[result], limit))
            title = display_title(section.title)
            if not keywords(title) <= keywords(first):
                first = f"{title}: {first}"
    out = [first]
    if position + 1 < len(candidates):
        follow = ensure_period(candidates[position + 1])
        if len(first) + len(follow) < limit and not _DEFINITION.search(follow):
            out.append(follow)
    return out


def point_parts(section: ContextSection, question_words: set[str], said: list[str]) -> tuple[str, str] | None:
    """A supporting section as (label, body): the label is its title with its score (left out
    when the text already names it), the body its most telling sentences; None when it would
    only repeat what was said."""
    candidates = [s for s in sentences(section.text) if not is_boilerplate(s)]
    fact = next((m for pattern in _FACTS if (m := pattern.search(section.text))), None)
    if fact is not None:
        # The score goes into the label; the sentences say what it means.
        descriptive = [s for s in candidates if not any(p.search(s) for p in _FACTS) and not _DEFINITION.search(s)]
        if any(not any(same_thing(s, d) for d in said) for s in descriptive):
            candidates = descriptive
    chosen = gist(section.model_copy(update={"text": "\n".join(candidates)}), question_words, said, MAX_POINT_CHARS)
    if not chosen:
        return None
    body = " ".join(chosen)
    title = display_title(section.title)
    generic_title = title.casefold() in {"overview", "summary"} or section.section_id.endswith(":overview")
    named = keywords(title) <= keywords(body)
    if fact is not None:
        groups = fact.groupdict()
        score = (
            f"{groups['score']} out of 100"
            if groups.get("score")
            else ", ".join(v for v in (groups.get("level"), f"{groups.get('pct')} percentile") if v)
        )
        return (f"{title} ({score})" if not named else ""), body
    return ("" if generic_title or named else title), body

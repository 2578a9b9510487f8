"""The offline composer: grounded, cited, templated answers with no model and no network.

It is the default without a Gemini key and the fallback when Gemini fails. It answers like an
advisor: the direct answer first, then the concrete points behind it (each cited), then a next step.
Careers and majors are answered from the ranked recommendations (top-ranked first, with the reasons
each section gives); other questions lead with the sentence of the most relevant section that best
answers them. Only whole sentences are used, enumerated lists are never split at their "2.", and
nothing is said twice. Deterministic: same request, same answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from aptichat.llm import offline_phrases as P
from aptichat.llm.types import AnswerRequest, ContextSection, GeneratedAnswer, cited_numbers

_WORD = re.compile(r"[a-z][a-z'-]+")
# A possible sentence end: punctuation, whitespace, then something that can start a sentence.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
# "2." in "... (fit 84%) 2. Medical Scientist": a list number, not the end of a sentence.
_LIST_NUMBER = re.compile(r"(?<!\S)(\d{1,3})\.(?=\s)")
_ABBREVIATIONS = frozenset(("e.g.", "i.e.", "etc.", "vs.", "approx.", "no."))
# A word list reads better as text than as a 90-line literal.
_STOPWORDS = frozenset(
    (  # noqa: SIM905
        "the and for are but not you your yours with what which who whom this that these those have has "
        "had was were will would could should can may might does did doing from into about over than "
        "then them they their there here how why when where all any some more most very much many also "
        "just only own same so too its it's i'm me my mine our out off our get got tell show give know "
        "like want please "
    ).split()
)
# Words that name the kind of thing asked about, not a particular career or major.
_GENERIC_TITLE_WORDS = frozenset(
    (  # noqa: SIM905
        "career careers job jobs major majors study studies degree field fields work option options path "
        "paths match matches fit fits good best recommend recommended recommendation suit suits role roles "
        "profession course courses subject subjects and"
    ).split()
)
MIN_SECTIONS, MAX_SECTIONS = 2, 4
MAX_SENTENCE_CHARS = 320
MAX_POINT_CHARS = 300
MAX_RANKED_POINTS = 3
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


def _stem(word: str) -> str:
    # Crude but deterministic: "strengths"/"strength", "working"/"work" meet in the middle.
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    """Lower-cased words, hyphenated ones also as their parts ("thinking-skill" -> both)."""
    out = []
    for word in _WORD.findall(text.lower()):
        out.append(word)
        if "-" in word:
            out.extend(part for part in word.split("-") if part)
    return out


def keywords(text: str) -> set[str]:
    """Content words of `text`, lower-cased and stemmed."""
    return {_stem(w) for w in _words(text) if w not in _STOPWORDS and len(w) > 2}


def question_keywords(question: str) -> set[str]:
    """`keywords` of the question plus the words the documents use for them ("strengths" -> "pronounced")."""
    words = keywords(question)
    for raw in _words(question):
        for key in (raw, _stem(raw)):
            words.update(_stem(s) for s in P.SYNONYMS.get(key, ()))
    return words


def _list_number_ends(line: str) -> set[int]:
    """Positions of the "." of list numbers in `line`: a "1." after ":" / ")" / the line start, or the
    number following the previous list number ("... 1. Nurse 2. Doctor")."""
    ends: set[int] = set()
    previous = 0
    for match in _LIST_NUMBER.finditer(line):
        number = int(match.group(1))
        before = line[: match.start()].rstrip()
        if not before or before[-1] in ":)" or (previous and number == previous + 1):
            ends.add(match.end() - 1)
            previous = number
    return ends


def sentences(text: str) -> list[str]:
    """The sentences (or list lines) of a section, without markdown bullets and headings. A list
    number ("2.") or an abbreviation ("e.g.") does not end a sentence."""
    out = []
    for line in re.split(r"\n+", text):
        list_ends = _list_number_ends(line)
        pieces, start = [], 0
        for match in _BOUNDARY.finditer(line):
            end = match.start() - 1  # the punctuation
            last_word = (
                line[start : match.start()].rsplit(None, 1)[-1].lower() if line[start : match.start()].strip() else ""
            )
            if end in list_ends or last_word in _ABBREVIATIONS:
                continue
            pieces.append(line[start : match.start()])
            start = match.end()
        pieces.append(line[start:])
        for raw in pieces:
            sentence = raw.strip().lstrip("-*#> ").strip()
            if len(sentence) >= 3:
                out.append(sentence)
    return out


def _clip(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> str:
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _limit(text: str, max_chars: int) -> str:
    """Whole sentences of a fixed message while they fit; words of the first one if none does."""
    if len(text) <= max_chars:
        return text
    kept = ""
    for sentence in sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > max_chars:
            break
        kept = candidate
    return kept or _clip(text, max_chars - 3)


def _ensure_period(sentence: str) -> str:
    return sentence if sentence[-1:] in ".!?" else sentence + "."


def _boilerplate(sentence: str) -> bool:
    lowered = sentence.lower()
    return any(phrase in lowered for phrase in P.BOILERPLATE)


def _same_thing(a: str, b: str) -> bool:
    """True when two sentences say the same thing (equal, one inside the other, or nearly the same words)."""
    x, y = a.casefold().rstrip(".!? "), b.casefold().rstrip(".!? ")
    if x in y or y in x:
        return True
    kx, ky = keywords(x), keywords(y)
    return bool(kx and ky) and len(kx & ky) / len(kx | ky) >= 0.75


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _display_title(title: str) -> str:
    """'2. Medical Scientist' -> 'Medical Scientist'; 'Social interests (S)' -> 'Social interests'."""
    name = re.sub(r"^\s*\d{1,3}\.\s+", "", title)
    return re.sub(r"\s*\([A-Z]\)\s*$", "", name).strip() or title.strip()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _mentions(question_words: set[str], title: str) -> bool:
    """Whether the question names this title ("nursing" names "Registered Nurse")."""
    title_words = [w for w in keywords(title) if w not in _GENERIC_TITLE_WORDS and len(w) >= 4]
    asked = [w for w in question_words if w not in _GENERIC_TITLE_WORDS and len(w) >= 4]
    for t in title_words:
        for q in asked:
            common = len(_common_prefix(t, q))
            if t == q or (common >= 4 and common >= min(len(t), len(q)) - 2):
                return True
    return False


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


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
        rest = [s for s in sentences(text) if not _FIT.search(s) and not _boilerplate(s)]
        return [_ensure_period(_clip(s)) for s in rest[:MAX_REASONS]], None
    reasons: list[str] = []
    about: str | None = None
    stopped = False
    for sentence in sentences(why.group(1)):
        lowered = sentence.lower()
        if lowered.startswith(_AFTER_REASONS):
            stopped = True
            continue
        if not stopped and (not reasons or _ADDRESSES_PERSON.search(sentence)) and len(reasons) < MAX_REASONS:
            if not any(_same_thing(sentence, r) for r in reasons):
                reasons.append(_ensure_period(_clip(sentence)))
            continue
        stopped = True
        if about is None and not _ADDRESSES_PERSON.search(sentence):
            about = _ensure_period(_clip(sentence))
    return reasons, about


@dataclass
class _Draft:
    """The parts of an answer, most important first, so `_fit` knows what to give up first."""

    head: str
    lead: str
    transition: str
    points: list[str]
    tail: list[str]
    next_step: str


class OfflineComposer:
    """Answers from the provided sections only; see the module docstring."""

    name = "offline"

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        """The composed answer (never raises for well-formed requests)."""
        text = self.compose_text(request)
        return GeneratedAnswer(text=text, citations=cited_numbers(text, request.sections), provider=self.name)

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """The same answer in word pieces, then the GeneratedAnswer."""
        answer = self.generate(request)
        yield from word_pieces(answer.text)
        yield answer

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The answer text in word pieces."""
        yield from word_pieces(self.generate(request).text)

    # -- composition ---------------------------------------------------------------------------

    def compose_text(self, request: AnswerRequest) -> str:
        """The answer text for `request`, within `request.max_chars`."""
        intent = request.intent
        if intent == "smalltalk":
            return _limit(_smalltalk(request.question), request.max_chars)
        if intent == "out_of_scope":
            return _limit(P.OUT_OF_SCOPE, request.max_chars)
        gap_note = self._gap_note(request)
        next_step = P.NEXT_STEPS.get(intent, P.NEXT_STEPS["general_guidance"])
        if gap_note is None:
            draft = self._ranked_draft(request, next_step)
            if draft is not None:
                return self._fit(request.max_chars, draft)
        chosen = self.select_sections(request)
        if not chosen:
            if gap_note:
                suggestion = P.GAP_ONLY.format(suggestion=self._suggest_others(request))
                return _limit(f"{gap_note} {suggestion}", request.max_chars)
            return _limit(P.NO_SECTIONS, request.max_chars)
        question_words = question_keywords(request.question)
        lead_section, *others = chosen
        lead_sentences = self._gist(lead_section, question_words, said=[], limit=MAX_SENTENCE_CHARS)
        said = list(lead_sentences)
        lead = f"{' '.join(lead_sentences)} [{lead_section.n}]"
        if not lead_section.document_type.startswith(("catalog_", "scale_guide")) and not gap_note:
            head = ""
        else:
            source = P.SOURCE_LABELS.get(lead_section.document_type, "your results")
            lead = f"According to {source}: {lead}"
            head = P.GAP_GENERAL if gap_note else ""
        points = self._points(others, question_words, said)
        if gap_note:
            next_step = f"{self._suggest_others(request)} {P.GAP_FOLLOW_UP}"
        head = " ".join(p for p in (gap_note, head) if p)
        transition = P.TRANSITIONS.get(intent, P.TRANSITIONS["general_guidance"])
        return self._fit(request.max_chars, _Draft(head, lead, transition, points, [], next_step))

    def _fit(self, max_chars: int, draft: _Draft) -> str:
        # Drop the least relevant points first, then the extras, then the next step, then clip the
        # lead: the direct answer is the last thing to give up.
        points, tail, next_step = list(draft.points), list(draft.tail), draft.next_step
        while True:
            parts = [p for p in (draft.head, draft.lead) if p]
            if points:
                parts.append(draft.transition + "\n" + "\n".join(points))
            parts.extend(tail)
            if next_step:
                parts.append(next_step)
            text = "\n\n".join(parts)
            if len(text) <= max_chars:
                return text
            if tail:
                tail = tail[:-1]
            elif points:
                points = points[:-1]
            elif next_step:
                next_step = ""
            else:
                return self._clip_lead(max_chars, draft.head, draft.lead)

    @staticmethod
    def _clip_lead(max_chars: int, head: str, lead: str) -> str:
        """The lead alone, cut to whole sentences (words of the first one if none fits), citations kept."""
        match = re.search(r"(\s*\[\d+\])+$", lead) or re.search(r"\s*\[\d+\]", lead)
        citation = match.group(0).strip() if match else ""
        body = lead[: match.start()] if match and match.end() == len(lead) else lead
        prefix = f"{head}\n\n" if head and len(head) < max_chars // 2 else ""
        room = max(20, max_chars - len(prefix) - len(citation) - 1)
        return f"{prefix}{_limit(body.strip(), room)} {citation}".rstrip()[:max_chars]

    # -- careers and majors ---------------------------------------------------------------------

    def _ranked_draft(self, request: AnswerRequest, next_step: str) -> _Draft | None:
        """Careers, majors and general guidance from the ranked recommendations: the top matches in
        rank order, then the reasons of the top 2-3 with their citations. None when the sections
        hold no recommendations in that format."""
        intent = request.intent
        if intent == "careers":
            kinds = ["career_recommendations"]
        elif intent == "majors":
            kinds = ["major_recommendations"]
        elif intent == "general_guidance":
            kinds = ["career_recommendations", "major_recommendations"]
        else:
            return None
        found = [r for kind in kinds if (r := ranked_items(request.sections, kind)) is not None]
        if not found:
            return None
        question_words = question_keywords(request.question)
        if intent == "general_guidance":
            return self._general_draft(request, found, question_words, next_step)
        ranked = found[0]
        focus = [item for item in ranked.by_rank() if _mentions(question_words, item.title)]
        if focus and focus[0].section is not None:
            return self._focus_draft(request, ranked, focus[0], next_step)
        lead = self._ranked_lead(ranked)
        if lead is None:
            return None
        not_listed = self._not_listed(request, ranked, question_words)
        if not_listed is not None:
            lead = not_listed
        points = [self._ranked_point(item) for item in self._with_reasons(ranked)]
        tail = self._catalog_about(request, question_words) if not_listed else []
        transition = P.TRANSITIONS[intent]
        return _Draft("", lead, transition, [p for p in points if p], tail, next_step)

    @staticmethod
    def _with_reasons(ranked: Ranked) -> list[RankedItem]:
        return [item for item in ranked.by_rank() if item.section is not None and item.reasons][:MAX_RANKED_POINTS]

    @staticmethod
    def _ranked_lead(ranked: Ranked, limit: int = 3) -> str | None:
        """'Your strongest career matches are A, B and C [n].' from the overview, else from the items."""
        top = ranked.listed()[:limit]
        if not top:
            return None
        if ranked.overview is not None:
            citation = f" [{ranked.overview.n}]"
            names = [item.title for item in top]
        else:
            citation = ""
            names = [f"{item.title} [{item.section.n}]" if item.section else item.title for item in top]
        if len(names) == 1:
            return P.RANKED_LEAD_ONE.format(noun=ranked.noun, name=names[0], citation=citation)
        return P.RANKED_LEAD.format(noun=ranked.noun, names=_join_names(names), citation=citation)

    @staticmethod
    def _ranked_point(item: RankedItem) -> str | None:
        if item.section is None or not item.reasons:
            return None
        label = item.title if item.fit is None else f"{item.title} (fit {item.fit}%)"
        return f"- {label}: {' '.join(item.reasons)} [{item.section.n}]"

    def _focus_draft(self, request: AnswerRequest, ranked: Ranked, item: RankedItem, next_step: str) -> _Draft:
        """A question about one recommended career or major: where it ranks, why, what it is."""
        assert item.section is not None
        n = item.section.n
        place = "top" if item.rank == 1 else _ordinal(item.rank)
        fit = f", with a fit of {item.fit}%" if item.fit is not None else ""
        lead = P.RANKED_FOCUS.format(title=item.title, place=place, noun=ranked.noun, fit=fit, citation=f" [{n}]")
        points = [f"- {reason} [{n}]" for reason in item.reasons]
        tail = []
        if item.about:
            tail.append(
                P.RANKED_ABOUT.format(kind="work" if ranked.noun == "career" else "major", text=item.about) + f" [{n}]"
            )
        others = [other for other in ranked.listed() if other is not item][:2]
        if others and ranked.overview is not None:
            tail.append(
                P.RANKED_OTHERS.format(names=_join_names([o.title for o in others]), citation=f" [{ranked.overview.n}]")
            )
        return _Draft("", lead, P.RANKED_WHY_ONE, points, tail, next_step)

    @staticmethod
    def _not_listed(request: AnswerRequest, ranked: Ranked, question_words: set[str]) -> str | None:
        """When the question names a catalog career or major that is not on the person's list, say so."""
        if ranked.overview is None:
            return None
        catalog = "catalog_job" if ranked.noun == "career" else "catalog_major"
        for section in request.sections:
            if section.document_type == catalog and _mentions(question_words, section.title):
                if section.title.casefold() in ranked.items:
                    return None
                top = [item.title for item in ranked.listed()[:3]]
                return P.RANKED_NOT_LISTED.format(
                    title=section.title, noun=ranked.noun, names=_join_names(top), citation=f" [{ranked.overview.n}]"
                )
        return None

    @staticmethod
    def _catalog_about(request: AnswerRequest, question_words: set[str]) -> list[str]:
        for section in request.sections:
            if section.document_type in ("catalog_job", "catalog_major") and _mentions(question_words, section.title):
                text = " ".join(s for s in sentences(section.text)[:2] if not _same_thing(s, section.title))
                if text:
                    kind = "work" if section.document_type == "catalog_job" else "major"
                    return [P.RANKED_ABOUT.format(kind=kind, text=_ensure_period(_clip(text))) + f" [{section.n}]"]
        return []

    def _general_draft(
        self, request: AnswerRequest, found: list[Ranked], question_words: set[str], next_step: str
    ) -> _Draft:
        """General guidance: the top careers (and majors) first, then what stands out about the person."""
        leads: list[str] = []
        for ranked in found:
            lead = self._ranked_lead(ranked)
            if lead is None:
                continue
            if leads and ranked.noun == "major":
                lead = lead.replace("Your strongest major matches are", "The majors that fit you best are")
            leads.append(lead)
        points: list[str] = []
        for ranked in found:
            top = self._with_reasons(ranked)[:1]
            points.extend(p for item in top if (p := self._ranked_point(item)))
        rest = [s for s in request.sections if s.document_type not in P.NOUNS]
        others = self.select_sections(request.model_copy(update={"sections": rest})) if rest else []
        points.extend(self._points(others, question_words, []))
        return _Draft("", " ".join(leads), P.TRANSITIONS["general_guidance"], points[:4], [], next_step)

    # -- other intents --------------------------------------------------------------------------

    def _gist(self, section: ContextSection, question_words: set[str], said: list[str], limit: int) -> list[str]:
        """The sentence of `section` that best answers the question, with the sentence after it when
        that fits: it is usually the explanation ("... average. You are comfortable both ...")."""
        candidates = [s for s in sentences(section.text) if not _boilerplate(s)] or sentences(section.text)
        candidates = [s for s in candidates if not any(_same_thing(s, d) for d in said)]
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
        first = _ensure_period(_clip(best, limit))
        if _DEFINITION.search(best):
            # A definition ("Spatial reasoning is about ...") is context, not the answer: lead with
            # the person's result when the section states one, named by the section's title.
            result = next((i for i, s in enumerate(candidates) if any(p.search(s) for p in _FACTS)), None)
            if result is not None:
                position = result
                first = _ensure_period(_clip(candidates[result], limit))
                title = _display_title(section.title)
                if not keywords(title) <= keywords(first):
                    first = f"{title}: {first}"
        out = [first]
        if position + 1 < len(candidates):
            follow = _ensure_period(candidates[position + 1])
            if len(first) + len(follow) < limit and not _DEFINITION.search(follow):
                out.append(follow)
        return out

    def _points(self, sections: Sequence[ContextSection], question_words: set[str], said: list[str]) -> list[str]:
        """One bullet per supporting section, never repeating the lead or each other: sections whose
        telling sentence is the same ("This is a clear strength ...") share one bullet."""
        entries: list[tuple[list[str], str, list[int]]] = []  # labels, body, citation numbers
        lead_said = list(said)
        for section in sections:
            first = self._point_parts(section, question_words, lead_said)
            if first is None:
                continue
            label, body = first
            twin = next((e for e in entries if label and e[0] and _same_thing(body, e[1])), None)
            if twin is not None:
                twin[0].append(label)
                twin[2].append(section.n)
                continue
            parts = self._point_parts(section, question_words, said)
            if parts is None:
                continue
            label, body = parts
            said.extend(sentences(body))
            entries.append(([label] if label else [], body, [section.n]))
        bullets = []
        for labels, body, numbers in entries:
            citation = f"[{', '.join(str(n) for n in numbers)}]"
            bullets.append(f"- {_join_names(labels)}: {body} {citation}" if labels else f"- {body} {citation}")
        return bullets

    def _point_parts(
        self, section: ContextSection, question_words: set[str], said: list[str]
    ) -> tuple[str, str] | None:
        """A supporting section as (label, body): the label is its title with its score (left out
        when the text already names it), the body its most telling sentences; None when it would
        only repeat what was said."""
        candidates = [s for s in sentences(section.text) if not _boilerplate(s)]
        fact = next((m for pattern in _FACTS if (m := pattern.search(section.text))), None)
        if fact is not None:
            # The score goes into the label; the sentences say what it means.
            descriptive = [s for s in candidates if not any(p.search(s) for p in _FACTS) and not _DEFINITION.search(s)]
            if any(not any(_same_thing(s, d) for d in said) for s in descriptive):
                candidates = descriptive
        gist = self._gist(
            section.model_copy(update={"text": "\n".join(candidates)}), question_words, said, MAX_POINT_CHARS
        )
        if not gist:
            return None
        body = " ".join(gist)
        title = _display_title(section.title)
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

    def select_sections(self, request: AnswerRequest) -> list[ContextSection]:
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
        if self._gap_note(request):
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

    def _gap_note(self, request: AnswerRequest) -> str | None:
        gap_type = P.INTENT_GAP_TYPE.get(request.intent)
        if gap_type and gap_type in request.gaps:
            reason = request.gaps[gap_type].strip().rstrip(".") or "it is not available"
            label = P.GAP_LABELS.get(gap_type, gap_type.replace("_", " "))
            if label in reason.lower():
                # The reason already names what is missing ("your thinking skills were not measured").
                return P.GAP_NOTE_SENTENCE.format(reason=reason[0].upper() + reason[1:])
            return P.GAP_NOTE.format(label=label, reason=reason)
        return None

    def _suggest_others(self, request: AnswerRequest) -> str:
        others = [label for doc, label in P.GAP_LABELS.items() if doc not in request.gaps]
        if not others:
            return "Once your results are in, I'll be able to help."
        listed = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " or " + others[-1]
        return P.SUGGEST_OTHERS.format(others=listed)


def _smalltalk(question: str) -> str:
    words = set(_WORD.findall(question.lower()))
    if words & {"thanks", "thank", "thx", "cheers", "appreciate"}:
        return P.SMALLTALK_THANKS
    if words & {"bye", "goodbye", "later"}:
        return P.SMALLTALK_BYE
    return P.SMALLTALK_GREETING


def word_pieces(text: str) -> Iterator[str]:
    """`text` as words with their trailing whitespace; the pieces concatenate back to `text`."""
    yield from (piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece)

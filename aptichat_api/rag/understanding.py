"""What is asked, beyond the topic: compare, why / why not, a worry, next steps, one scale, several parts.

The intent says which documents a question is about; the question type says what to do with them.
`understand` reads the type, the careers and majors the question names (resolved by `items`) and the
scales it names; `QuestionUnderstanding.sections` then adds what that question needs to the retrieved
sections (both items of a comparison, the catalog entry and a computed fit for a why-not, the
thinking-skills results for a worry), for Gemini and the offline composer alike. Rules only:
deterministic, offline, a few milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from aptichat.intents import Intent
from aptichat.llm.offline_phrases import ABOUT_THE_TEST_QUESTION
from aptichat.llm.offline_questions import OVERVIEW_SECTIONS, STUDYING, asks_overview, superlative
from aptichat.llm.types import ContextSection, NamedItem, QuestionPart
from aptichat_api.rag.fit import fit_for, fit_text, person_scores, profile_stats
from aptichat_api.rag.items import CatalogTitles, Match, question_words, recommended, resolve_items
from aptichat_api.rag.retrieval import RetrievedSection

# Question types (AnswerRequest.question_type).
GENERAL, EXPLAIN, COMPARE, WHY, WHY_NOT, WORRY = "general", "explain", "compare", "why", "why_not", "worry"
NEXT_STEPS, SPECIFIC_SCALE, MULTI_PART = "next_steps", "specific_scale", "multi_part"

_WORRY = re.compile(
    r"\b((?<!no )worr\w*|scared|afraid|nervous|anxious about|fear\w*|insecure|impost[eo]r|doubt\w*"
    r"|not (smart|clever|good|bright) enough|too (dumb|stupid|weak|shy|slow|disorgani[sz]ed)|dumb|stupid|hold me back"
    r"|ruin|stop me"
    r"|terrible at|bad at|can i (even|really)|am i (even )?(smart|clever|good) enough|confiden\w*|be successful"
    r"|is (it|this|that) (bad|a (bad thing|problem))"
    r"|cut out for|not (particularly |very |really )?good at|is that bad|can'?t (be|become|do|get into|handle)"
    r"|does (that|this|it) mean i (can'?t|won'?t|will never|shouldn'?t)|what if i'?m not|have what it takes"
    r"|good enough (for|at|to)|too low (for|to)|won'?t (find|make it|be able)|never be (able|good)"
    # doubting it is worth trying, or that the results allow it ("what stops me", "is it even realistic")
    r"|stops? me|holds? me back|(even )?bother|(is it|am i being) (even )?realistic|realistic for me"
    r"|freak\w* out|(bad|weak|low) for"
    # whether it is within reach at all ("is X out of reach", "do i stand a chance", "a no go", "can i still be")
    r"|out of (my )?reach|within (my )?reach|(have|stand) a (chance|shot)|my chances|no[- ]go|long shot|a stretch"
    r"|aim\w* too high|too (hard|difficult|much) for me|suck at|(can|could) i still (be|become|do|get|go|study|work)"
    r"|capable (of|enough)|disaster|(will|would|could|can) i (even |really |actually )?(fail|struggle|cope|survive"
    r"|handle|keep up))\b",
    re.I,
)
_WHY_NOT = re.compile(
    r"\b(why|whys|why'?s|y|how come)\b[^.?!]{0,50}"
    r"(\b(not|no|never|missing|left out)\b|\b(is|was|were|are|did|do|does)n'?t\b)"
    r"|\bwhy no\b|\bwhy not\b"
    r"|\bdid ?n'?t (i )?(get|see)\b|\b(is|was)n'?t (on|in|among)\b|\bnot (on|in|among) my\b|\bmissing\b"
    # left off without a "why" ("X wasn't recommended", "where is X in my careers", "I expected X")
    r"|\b((is|was|were|are)n'?t|not) (recommended|suggested|listed|included|there)\b"
    r"|\bwhere('?s| is| are)\b[^.?!]{0,40}\b(in|on|among) (my|the)\b|\bexpect(ed|ing)\b"
    # asked after the list without "why" ("what about X", "i thought i'd get X", "no X for me??")
    r"|^\W*(so |and |but |ok )?(what|how) about\b|\bthought (i'?d|i would|i'?ll|i was going to) (get|see|be)\b"
    r"|^\W*((so|but|and|ok|wait|hm+|huh|oh)\W+)?no [a-z]+( [a-z]+)?( (major|career|job|degree)s?)?"
    r"( for me| on (my|the) list| at all)?\W*$",
    re.I,
)
_COMPARE = re.compile(
    r"\b(compare\w*|comparison|versus|vs|differen\w*|dif+e?ren\w*|diff|between|side by side|or|better fit"
    r"|pros and cons|ranked (above|higher|over|below|lower)|(higher|lower|better|worse) than)\b",
    re.I,
)
_TOP_TWO = re.compile(
    r"\b(top|best|first)\s+(two|2)\b|\b(first|1st|#1|number one)\b.{0,20}\b(second|2nd|#2|number two)\b", re.I
)
# Two ranks named by ordinal ("my 1st and 3rd career", "second vs third major"): the ranks compared.
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5,
             "5th": 5, "top": 1}  # fmt: skip
_ORDINAL = r"(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|top)"
_RANK_PAIR = re.compile(
    rf"\b{_ORDINAL}\b(?:\s+(?:one|choice|match|career|job|major|option))?\s*(?:and|vs\.?|versus|or|with|&)"
    rf"\s*(?:my\s+|the\s+)?{_ORDINAL}\b",
    re.I,
)


def ranks_named(question: str) -> list[int]:
    """The two list positions a question compares by ordinal (1-based), or []."""
    match = _RANK_PAIR.search(question)
    if not match:
        return []
    a, b = (_ORDINALS[g.casefold()] for g in match.groups())
    return [a, b] if a != b else []


_WHY = re.compile(r"\b(why|how come|what made|reason\w*|what part of my results|points? there)\b", re.I)
_NEXT = re.compile(
    r"\b(next steps?|what (should|do|can) i (actually |now )?do|where (do|should) i start|plan|first steps?"
    r"|how (do|can|should) i (become|get into|start|prepare)|steps? to (become|get)|what now|prepare"
    # a step, a move or a first thing asked for ("what steps now", "my next move", "the first thing to do")
    r"|what steps?|steps? (now|next|to take|should i)|(my|the) next (step|move)|first thing"
    # deciding or acting on the results ("how should i decide", "what to do with these results")
    r"|how (do|should|can|would) i (decide|choose|pick)|what to do (next|now|with)"
    r"|do with (these|my|the|this) (results?|scores?|report)"
    # getting started, tips, and what to do first or after ("what would you recommend i do first")
    r"|get(ting)? started|start (on|with|towards)|tips?|what to do (after|first)|do first"
    r"|what (would|do|should) you (recommend|suggest))\b",
    re.I,
)
# "why is there no architect", "why not chef", "why wasn't lawyer": where the name asked about starts,
# when no career or major of that name is known; `_name_after` reads the name itself.
_WHY_NOT_ANCHOR = re.compile(
    r"\b(?:(?:why|how come|y)(?:'?s| is| are)?(?: there| they)? (?:no|not)|(?:was|is)n'?t|did ?n'?t (?:i )?get"
    r"|i not (?:get|see)|expect(?:ed|ing)|thought (?:i'?d|i would|i'?ll) (?:get|see|be)(?: an?)?"
    r"|^\W*(?:so |and |but |ok )?(?:what|how) about(?: being| becoming| doing| working as)?"
    # "no X??", "no X for me", "no X jobs?" (a bare "no thanks" is no question about X)
    r"|^\W*(?:(?:so|but|and|ok|wait|hm+|huh|oh)\W+)?no (?=[a-z]+(?: [a-z]+)?"
    r"(?:\s*\?|(?: (?:major|career|job|degree)s?)?(?: for me)\W*$|(?: (?:major|career|job|degree)s?)\W*$))"
    r"|(?:why|how come) (?:did ?n'?t|"
    r"does ?n'?t|did not|does not) (?!i\b|you\b|it\b|my\b))\b(?: an?\b)? ?"
    r"|^\s*no (?=[a-z][a-z ]{2,30}\W+.*\b(?:why|how come)\b)",
    re.I,
)
_NAME_ENDS = frozenset(
    ("in", "on", "among", "as", "for", "suggested", "recommended", "listed", "my", "come", "show", "appear", "make",
     "pop", "get", "even", "at", "there", "to", "but", "career", "careers", "job", "jobs", "major", "majors", "degree",
     "degrees", "option", "options")
)  # fmt: skip
# First words of what follows an anchor that are no name of a career or major ("what about my skills",
# "what about something creative").
_NOT_A_NAME = frozenset(
    ("my", "the", "any", "more", "other", "others", "one", "it", "that", "this", "those", "these", "them", "you", "me",
     "us", "something", "anything", "everything", "stuff", "things", "all", "both", "what", "how", "if", "so", "now",
     "thanks", "thank", "idea", "clue", "problem", "way", "worries", "doubt", "offense", "offence", "wonder")
)  # fmt: skip


_NAME_BEFORE = re.compile(
    r"^\s*(?:(?:and|but|so|ok) )?(?:an? |the )?([a-z][a-z]+(?: [a-z]+){0,2}) (?:is|was|were|are)n'?t "
    r"(?:recommended|suggested|listed|included|there|on my|in my)\b",
    re.I,
)


def _name_after(text: str) -> str | None:
    """The words after a why-not anchor up to a preposition or punctuation (at most four)."""
    words: list[str] = []
    for raw in text.split():
        word = raw.strip(",.?!;:").casefold()
        if not word.isalpha() or word in _NAME_ENDS:
            break
        words.append(word)
        if raw[-1:] in ",.?!;:" or len(words) == 4:
            break
    return " ".join(words) or None


_EXPLAIN = re.compile(r"\b(mean\w*|explain\w*|what is|what's a|what are)\b", re.I)
_PART_SPLIT = re.compile(
    r"\?\s+(?=\S)|\s*\b\d\)\s*|;\s+"
    r"|,?\s+(?:and|also|plus)\s+(?=(?:my|what|which|how|why|should|is|are|do|does|did|can|could|would|will|am|tell)\b)"
    r"|,\s+(?=(?:which|what|how)\b)",
    re.I,
)
_TOPIC_WORDS: tuple[tuple[re.Pattern[str], Intent], ...] = (
    (re.compile(r"\b(careers?|jobs?|occupations?|work as)\b", re.I), Intent.CAREERS),
    (re.compile(r"\b(majors?|degrees?|study|uni|university|college)\b", re.I), Intent.MAJORS),
    (
        re.compile(r"\b(personality|holland|character|interests?|creativ\w*|extro\w*|introv\w*)\b", re.I),
        Intent.PERSONALITY,
    ),
    (re.compile(r"\b(thinking skills?|skills?|reasoning)\b", re.I), Intent.THINKING_SKILLS),
)

# Scale words -> the section that states the person's result.
SCALE_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), section)
    for pattern, section in (
        (r"\bopen(ness|ess|nes)?\b|\bopen[- ]minded", "personality:openness"),
        (r"\bconscientious\w*|\b(dis)?organi[sz]ed?\b|\bdiscipline\w*", "personality:conscientiousness"),
        (r"\bextr[ao]ver\w*|\bintrover\w*|\bshy\b|\boutgoing\b|\bpeople person\b", "personality:extraversion"),
        (r"\bagreeab\w*", "personality:agreeableness"),
        (r"\bneurotic\w*|\bemotional(ly)? sensitiv\w*|\bemotional\b|\banxious\b", "personality:neuroticism"),
        (r"\bholland\b|\briasec\b|(?-i:\b[RIASEC]{3}\b)", "interests:holland_code"),
        (r"\brealistic\b", "interests:R"),
        (r"\binvestigative\b", "interests:I"),
        (r"\bartistic\b", "interests:A"),
        (r"\bsocial\b", "interests:S"),
        (r"\benterprising\b", "interests:E"),
        (r"\bconventional\b", "interests:C"),
        (r"\bverbal\b|\bwith words\b", "skills:verbal"),
        (r"\bnumer\w*|\bmaths?\b|\bnumbers\b|\barithmetic\b", "skills:numerical"),
        (r"\bspatial\b|\bshapes\b|\b3-?d\b|\bvisuali[sz]\w*|\brotat\w*", "skills:spatial"),
        (r"\blogic(al)?\b", "skills:logical"),
        (r"\bmemory\b", "skills:memory"),
    )
)
_ABILITY = re.compile(
    r"\b(smart|clever|dumb|stupid|bright|intelligen\w*|skills?|reasoning|brain\w*|test|maths?|numbers|good enough at"
    r"|grades?|scores?)\b",
    re.I,
)
# A worry about how one is (stress, shyness, confidence, organisation), not about ability.
_PERSONAL_WORRY = re.compile(
    r"\b(stress\w*|pressure|shy|introver\w*|extraver\w*|confiden\w*|in front of|public speaking|organi[sz]ed"
    r"|disorgani[sz]ed|lazy|emotional|sensitive|calm|people person|leader\w*|creativ\w*)\b",
    re.I,
)
_PERCENTILE_WORD = re.compile(r"\bpercentiles?\b|\bper ?cent\b|%", re.I)
_INTERESTS = re.compile(r"\b(interests?|holland|riasec|enjoy|like doing)\b", re.I)
_CAREER_WORD = re.compile(r"\b(careers?|jobs?|work|profession\w*|occupation\w*)\b", re.I)
_STUDY_WORD = re.compile(r"\b(majors?|degrees?|uni|university|college|courses?)\b", re.I)


@dataclass
class Understanding:
    """What one question asks: its type, the items and scales it names, its parts."""

    question_type: str = GENERAL
    items: list[Match] = field(default_factory=list)
    top_two: bool = False
    scales: list[str] = field(default_factory=list)
    parts: list[QuestionPart] = field(default_factory=list)
    intent: Intent | None = None  # the topic the type implies, when it is clear
    unresolved: list[str] = field(default_factory=list)  # names asked about that match nothing known
    ranks: list[int] = field(default_factory=list)  # list positions compared by ordinal ("1st and 3rd")
    studying: bool = False  # the question is about study (a major, a course, university), not work
    percentiles: bool = False  # the question asks about percentiles themselves
    question: str = ""

    def item_kind(self) -> str | None:
        return self.items[0].candidate.kind if self.items else None

    def intent_for(self, classified: Intent) -> Intent:
        """The intent to answer with: the one this question type implies, else the classifier's; a
        question with a clear type is never small talk or out of scope ("ok so what do i do next")."""
        if self.intent is not None:
            return self.intent
        if self.question_type == MULTI_PART and self.parts:
            # The answer's topic is one of the parts' (the first one unless the classifier named another).
            intents = [p.intent for p in self.parts]
            return classified if classified in intents else intents[0]
        if classified in (Intent.SMALLTALK, Intent.OUT_OF_SCOPE) and self.question_type not in (GENERAL, EXPLAIN):
            return _kind_intent(self.item_kind()) or Intent.GENERAL_GUIDANCE
        return classified


# "realistic" said of a plan ("is it realistic", "realistic for me"), not the Realistic interest.
_REALISTIC_AS_WORD = re.compile(
    r"\b(?:is|it'?s|be|being|sounds?|seems?|even|very|really|that)\s+realistic\b"
    r"|\brealistic\s+(?:for|to|goal|option|choice|plan|dream)\b|\bunrealistic\b",
    re.I,
)


def named_scales(question: str) -> list[str]:
    """Section ids of the scales the question names, in the order it names them. A question that quotes
    figures ("the numbers are like 55 53 52") means those by "numbers", not numerical reasoning."""
    found: list[tuple[int, str]] = []
    quoting = re.search(r"\d", question) is not None
    question = _REALISTIC_AS_WORD.sub(" ", question)  # "is it realistic for me": no Realistic interest
    for pattern, section in SCALE_WORDS:
        match = pattern.search(re.sub(r"\bnumbers\b", " ", question) if quoting else question)
        if match and section not in [s for _, s in found]:
            found.append((match.start(), section))
    return [s for _, s in sorted(found)]


def _scale_intent(scales: Sequence[str]) -> Intent | None:
    if not scales:
        return None
    return Intent.THINKING_SKILLS if scales[0].startswith("skills:") else Intent.PERSONALITY


def _kind_intent(kind: str | None) -> Intent | None:
    return {"career": Intent.CAREERS, "major": Intent.MAJORS}.get(kind or "")


def split_parts(question: str) -> list[str]:
    """The sub-questions of a question ("1) why teacher 2) what major", "X? And Y?"), or [question]."""
    body = re.sub(r"^\s*(two|2|three|3) (things|questions)\s*:\s*", "", question, flags=re.I)
    pieces = [p.strip(" ,.?!-") for p in _PART_SPLIT.split(body) if p and p.strip(" ,.?!-")]
    pieces = [p for p in pieces if len(p.split()) >= 2]
    return pieces if len(pieces) >= 2 else [question]


def question_type(question: str, items: Sequence[Match], scales: Sequence[str], top_two: bool) -> str:
    """The type of a single (not multi-part) question."""
    if _WORRY.search(question):
        return WORRY
    if items and _WHY_NOT.search(question) and not _COMPARE.search(question.replace(" or not", "")):
        return WHY_NOT
    if _COMPARE.search(question) and (len(items) >= 2 or top_two or len(scales) >= 2):
        return COMPARE
    if items and _WHY.search(question):
        return WHY
    if _NEXT.search(question):
        return NEXT_STEPS
    if scales and not items and len(scales) <= 2:
        return SPECIFIC_SCALE
    if _EXPLAIN.search(question):
        return EXPLAIN
    return GENERAL


def _not_scales(question: str, items: list[Match], studying: bool) -> list[Match]:
    """The named items without catalog entries named only by words that name one of the person's scales:
    "bad at maths" is numerical reasoning, not the Mathematics major; "not very social" is no Social
    worker. Kept when the question asks about it as study, work or a missing item ("study maths",
    "social work jobs", "why not maths"), or spells out a title of two words or more ("social worker")."""
    if not items:
        return items
    words = question_words(question)
    missing = _WHY_NOT.search(question) is not None
    kept = []
    for match in items:
        c = match.candidate
        named = [words[i] for i in sorted(match.positions) if i < len(words)]
        by_scale = named and all(any(p.fullmatch(w) for p, _ in SCALE_WORDS) for w in named)
        as_item = missing or (studying if c.kind == "major" else _CAREER_WORD.search(question) is not None)
        spelled = len(c.title.split()) >= 2 and c.title.casefold() in question.casefold()
        if c.rank is None and by_scale and not as_item and not spelled:
            continue
        kept.append(match)
    return kept


def understand(question: str, candidates: Sequence[Any], classify: Any = None) -> Understanding:
    """The question's type, named items and scales, and parts. `candidates` are `items.Candidate`s
    (the person's own first); `classify(text) -> Intent` labels the parts of a multi-part question."""
    scales = named_scales(question)
    studying = STUDYING.search(question)
    prefer = "major" if studying else "career"
    items = _not_scales(question, resolve_items(question, candidates, prefer=prefer), bool(studying))
    ranks = ranks_named(question)
    top_two = bool(_TOP_TWO.search(question)) or bool(ranks)
    pieces = split_parts(question)
    if len(pieces) >= 2:
        parts = []
        for piece in pieces:
            p_items = _not_scales(piece, resolve_items(piece, candidates, prefer=prefer), bool(studying))
            p_scales = named_scales(piece)
            p_type = question_type(piece, p_items, p_scales, bool(_TOP_TWO.search(piece)))
            p_intent = (
                _kind_intent(p_items[0].candidate.kind if p_items else None)
                or _scale_intent(p_scales)
                or next((i for pattern, i in _TOPIC_WORDS if pattern.search(piece)), None)
            )
            if p_intent is None:
                break  # a part with no topic of its own ("that was a surprise") is not a second question
            parts.append(QuestionPart(text=piece, intent=p_intent, question_type=p_type, scales=p_scales))
        compare = len(items) >= 2 and _COMPARE.search(question)
        if len(parts) == len(pieces) and len({p.intent for p in parts}) >= 2 and not compare:
            return Understanding(
                MULTI_PART, items, top_two, scales, parts, None, studying=bool(studying), question=question
            )
    kind = question_type(question, items, scales, top_two)
    both_kinds = _CAREER_WORD.search(question) and re.search(r"\b(majors?|degrees?|courses?)\b", question, re.I)
    if kind == COMPARE and len({m.candidate.kind for m in items[:2]}) == 2 and not both_kinds:
        # (unless it asks for a career and a degree side by side, naming both kinds)
        # "nursing vs psychology": compare like with like, majors here, when both exist as that kind.
        for same in sorted(("career", "major"), key=lambda k: k != prefer):
            alike = resolve_items(question, [c for c in candidates if c.kind == same], prefer=same)
            if len(alike) >= 2:
                items = alike
                break
    intent: Intent | None = None
    if kind in (COMPARE, WHY, WHY_NOT) and items:
        intent = _kind_intent(items[0].candidate.kind)
    elif kind == COMPARE and top_two:
        intent = Intent.MAJORS if studying else Intent.CAREERS
    elif kind == COMPARE and scales:
        intent = _scale_intent(scales)
    elif kind == WORRY:
        # Ability words or a named skill: thinking skills; how one is: personality; else the career
        # or study the worry is about; else thinking skills.
        personality = [s for s in scales if not s.startswith("skills:")]
        skills = [s for s in scales if s.startswith("skills:")]
        if skills or _ABILITY.search(question):
            intent = Intent.THINKING_SKILLS
        elif personality or _PERSONAL_WORRY.search(question):
            intent = Intent.PERSONALITY
        elif _CAREER_WORD.search(question):
            intent = Intent.CAREERS
        elif _STUDY_WORD.search(question):
            intent = Intent.MAJORS
        elif items:
            intent = _kind_intent(items[0].candidate.kind)
        else:
            intent = Intent.GENERAL_GUIDANCE  # a worry about the future in general
    elif kind == SPECIFIC_SCALE:
        intent = _scale_intent(scales)
    elif kind == NEXT_STEPS:
        intent = _kind_intent(items[0].candidate.kind if items else None) or Intent.GENERAL_GUIDANCE
    unresolved: list[str] = []
    anchor = _WHY_NOT_ANCHOR.search(question) if kind in (GENERAL, WHY) and not items else None
    name = _name_after(question[anchor.end() :]) if anchor else None
    before = _NAME_BEFORE.search(question) if kind in (GENERAL, WHY) and not items and not name else None
    if before:  # "lawyer wasn't recommended, why?": the name comes first
        name = before.group(1).casefold()
    pronoun = name is not None and name.split()[0] in _NOT_A_NAME
    # a scale or a topic is no career ("what about personality", "what about my interests")
    topic = name is not None and (bool(named_scales(name)) or any(p.search(name) for p, _ in _TOPIC_WORDS))
    if name and len(name) >= 3 and not pronoun and not topic:
        kind, unresolved = WHY_NOT, [name]
        intent = Intent.MAJORS if studying else Intent.CAREERS
    return Understanding(
        kind, items, top_two, scales, [], intent, unresolved, ranks if top_two else [], bool(studying),
        bool(_PERCENTILE_WORD.search(question)), question,
    )  # fmt: skip


# -- what the question needs from the person's documents and the catalog -------------------------

MAX_SECTIONS = 9
_AREA = {"career": "careers", "major": "majors"}
_GUIDES_SQL = text("SELECT guide_id, title, text FROM chat_scale_guides WHERE guide_id = ANY(:ids)")
# The general guides that answer what to do next, and what a lower score does (and does not) mean.
EXPLORING_CAREERS, CHOOSING_A_MAJOR = "guide:career_exploration_steps", "guide:choosing_a_major"
USING_RESULTS, PERCENTILES = "guide:using_results", "guide:percentiles"
_OVERVIEW_FIT = re.compile(r"(?<!\S)\d{1,3}\.\s+(\S[^\n]*?)\s+\(fit (\d{1,3})%\)")


class QuestionUnderstanding:
    """Understands questions against the person's list and the catalog, and adds the sections that
    answer them. One per engine; thread-safe (the catalog cache locks)."""

    def __init__(self) -> None:
        self.catalog = CatalogTitles()

    def understand(self, session: Session, question: str, chunks: Sequence[Any], classify: Any = None) -> Understanding:
        """`understand` with the person's recommendations and the catalog as candidates."""
        candidates, _ = self.catalog.load(session)
        return understand(question, [*recommended(chunks), *candidates], classify)

    def sections(
        self,
        session: Session,
        user_id: str,
        u: Understanding,
        intent: Intent,
        retrieved: Sequence[RetrievedSection],
        chunks: Sequence[Any],
    ) -> list[RetrievedSection]:
        """The retrieved sections with what this question needs put first (at most MAX_SECTIONS)."""
        own = {c.section_id: c for c in chunks}
        needed: list[RetrievedSection] = []

        def add_own(section_id: str) -> None:
            chunk = own.get(section_id)
            if chunk is not None:
                needed.append(RetrievedSection("own", chunk.document_type, chunk.section_id, chunk.title, chunk.text))

        def add_guides(*guide_ids: str) -> None:
            rows = {r.guide_id: r for r in session.execute(_GUIDES_SQL, {"ids": list(guide_ids)})}
            for guide_id in guide_ids:
                if (row := rows.get(guide_id)) is not None:
                    needed.append(RetrievedSection("catalog", "scale_guide", guide_id, row.title, row.text))

        items = list(u.items)
        if u.top_two and len(items) < 2:
            kind = "major" if intent is Intent.MAJORS else "career"
            mine = [c for c in recommended(chunks) if c.kind == kind]
            positions = [r - 1 for r in (u.ranks or [1, 2]) if 0 < r <= len(mine)]
            top = [mine[i] for i in positions]
            items = [Match(c, {i}, 1.0) for i, c in enumerate(top)]
            u.items = items
        if u.question_type in (COMPARE, WHY, WHY_NOT, WORRY, NEXT_STEPS, MULTI_PART, GENERAL) and items:
            scores = None
            # a worry names what it is about ("a chance at becoming a pilot"): a partial title counts there too
            asked_about = u.question_type in (COMPARE, WHY, WHY_NOT, WORRY)
            for match in items:
                c = match.candidate
                if c.section_id:
                    add_own(c.section_id)
                    continue
                if match.share < 1 and not asked_about:
                    continue  # a word of a catalog title in passing ("engineer" in a user name) is no question
                _, entries = self.catalog.load(session)
                entry = entries.get((c.kind, c.code))
                if entry is None:
                    continue
                needed.append(RetrievedSection("catalog", f"catalog_{'job' if c.kind == 'career' else 'major'}",
                                               entry.section_id, entry.title, entry.description))  # fmt: skip
                scores = scores or person_scores(session, user_id)
                overview = own.get(f"{_AREA[c.kind]}:overview")
                listed = {t: int(f) for t, f in _OVERVIEW_FIT.findall(overview.text)} if overview else {}
                majors = profile_stats(e for e in entries.values() if e.kind == "major") if c.kind == "major" else None
                fit = fit_for(entry, scores, majors)
                body = fit_text(entry, fit, scores, listed)
                for skill in fit.skills:
                    add_own(f"skills:{skill}")  # the percentiles the fit section repeats, citeable at source
                if body:
                    area = _AREA[c.kind]
                    kind = f"{c.kind}_recommendations"
                    title = f"Your fit: {entry.title}"
                    # Not an own chunk: computed from the person's scores and the catalog entry.
                    needed.append(RetrievedSection("computed", kind, f"{area}:fit:{c.code}", title, body))
            for kind in dict.fromkeys(m.candidate.kind for m in items):
                add_own(f"{_AREA[kind]}:overview")
            if u.question_type == WHY_NOT or (u.question_type == WORRY and u.intent in (Intent.CAREERS, Intent.MAJORS)):
                add_own("interests:holland_code")  # the person's own interest scores the fit repeats
        if u.question_type == WORRY:
            skills = [s for s in u.scales if s.startswith("skills:")]
            if u.intent is Intent.THINKING_SKILLS:
                add_own("skills:overview")
                for chunk in chunks:
                    sid = chunk.section_id
                    if sid.startswith("skills:") and sid != "skills:overview" and (not skills or sid in skills):
                        add_own(sid)
            for scale in u.scales:
                add_own(scale)
            if u.intent in (Intent.CAREERS, Intent.MAJORS) and not items:
                add_own(f"{'careers' if u.intent is Intent.CAREERS else 'majors'}:overview")
        if u.question_type in (SPECIFIC_SCALE, COMPARE, EXPLAIN) or (u.question_type == GENERAL and u.scales):
            for scale in u.scales:
                add_own(scale)
            if u.scales[:1] == ["interests:holland_code"] and (code := own.get("interests:holland_code")):
                # what each letter stands for, and how to read the code when its scores are close
                letters = re.search(r"Holland code ([RIASEC]{3})", code.text)
                for letter in letters.group(1) if letters else "":
                    add_own(f"interests:{letter}")
                add_guides("guide:holland_code")
        asked = [superlative(p.text) for p in u.parts] if u.parts else [superlative(u.question)]
        for prefix in dict.fromkeys(a[1] for a in asked if a is not None):
            # "which is my strongest / weakest ...": every result of that kind, to rank them all
            for chunk in chunks:
                if chunk.section_id.startswith(prefix) and chunk.section_id != "interests:holland_code":
                    add_own(chunk.section_id)
        if u.question_type in (GENERAL, EXPLAIN) and asks_overview(u.question):
            for section_id in OVERVIEW_SECTIONS:  # the whole test in short: each document's summary
                add_own(section_id)
        if u.question_type == MULTI_PART:
            for part in u.parts:
                part_scales = named_scales(part.text)
                for scale in part_scales:
                    add_own(scale)
                if part.intent is Intent.PERSONALITY and not part_scales:
                    # "which of my interests is highest": the interests section, else the overview
                    add_own("interests:holland_code" if _INTERESTS.search(part.text) else "personality:overview")
                if part.intent in (Intent.CAREERS, Intent.MAJORS):
                    area = "careers" if part.intent is Intent.CAREERS else "majors"
                    add_own(f"{area}:overview")
                    top = [c for c in recommended(chunks) if c.kind == area[:-1]][:1]
                    for c in top:
                        add_own(c.section_id or "")
        if u.question_type == NEXT_STEPS and not items:
            # about study: the top two majors and their overview; else the top career and the top major
            areas = {"majors": 2} if u.studying else {"careers": 1, "majors": 1}
            if u.studying:
                add_own("majors:overview")
            for area, count in areas.items():
                for c in [c for c in recommended(chunks) if c.kind == area[:-1]][:count]:
                    add_own(c.section_id or "")
        if u.question_type == NEXT_STEPS:
            studying = u.studying or any(m.candidate.kind == "major" for m in items)
            add_guides(CHOOSING_A_MAJOR if studying else EXPLORING_CAREERS, *([] if items else [USING_RESULTS]))
        if u.question_type == WORRY and u.intent is Intent.THINKING_SKILLS:
            add_guides(USING_RESULTS)  # what a lower score means: where practice pays off, not a closed door
        if u.percentiles and u.question_type in (SPECIFIC_SCALE, EXPLAIN, GENERAL) and u.scales:
            add_guides(PERCENTILES)
        if intent is Intent.GENERAL_GUIDANCE and ABOUT_THE_TEST_QUESTION.search(u.question):
            add_guides(USING_RESULTS, PERCENTILES)  # what results are and are not, and their error
        if u.unresolved:
            add_own(f"{'majors' if intent is Intent.MAJORS else 'careers'}:overview")
        if intent in (Intent.CAREERS, Intent.MAJORS) and u.question_type in (GENERAL, EXPLAIN) and not items:
            # The summary names the top three; their sections must be there for the details to match.
            kind = "career" if intent is Intent.CAREERS else "major"
            add_own(f"{_AREA[kind]}:overview")
            for c in [c for c in recommended(chunks) if c.kind == kind][:3]:
                add_own(c.section_id or "")
        out: list[RetrievedSection] = []
        seen: set[str] = set()
        for section in [*needed, *retrieved]:
            if section.section_id not in seen:
                seen.add(section.section_id)
                out.append(section)
        return out[: max(MAX_SECTIONS, len(needed))]

    @staticmethod
    def request_fields(u: Understanding, sections: Sequence[ContextSection]) -> dict[str, Any]:
        """AnswerRequest fields for this understanding (named items point at their sections)."""
        ids = {s.section_id for s in sections}
        named = []
        for match in u.items:
            c = match.candidate
            area = _AREA[c.kind]
            mine = [sid for sid in (c.section_id, f"job:{c.code}" if c.kind == "career" else f"major:{c.code}",
                                    f"{area}:fit:{c.code}") if sid and sid in ids]  # fmt: skip
            named.append(NamedItem(kind=c.kind, title=c.title, code=c.code, rank=c.rank, section_ids=mine))  # type: ignore[arg-type]
        return {
            "question_type": u.question_type,
            "named_items": named,
            "scales": [s for s in u.scales if s in ids],
            "parts": u.parts,
            "unresolved": u.unresolved,
        }

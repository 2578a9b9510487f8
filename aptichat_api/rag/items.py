"""Which careers and majors a question names: "nursing", "comp sci", "carers", "lawyer", "the top two".

A named item is resolved against the person's own recommendations first (what they were told) and
then the catalog (chat_jobs / chat_majors titles), so "why not lawyer?" finds "Lawyers" even though
it is not on the list. Matching is by title words, forgiving in the ways students type: plurals and
word forms ("nursing" -> "Registered Nurse"), typos ("psycology"), short forms ("comp sci",
"software dev") and partial titles ("pilot" -> "Airline Pilot"). Deterministic, offline and cheap:
difflib and a few token rules, no model.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# Short forms students use, as the words the titles spell out. Applied to the question's words.
_SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "sci": ("science",),
    "comp": ("computer",),
    "compsci": ("computer", "science"),
    "mech": ("mechanical",),
    "dev": ("developer",),
    "devs": ("developer",),
    "eng": ("engineering",),
    "engg": ("engineering",),
    "bio": ("biology",),
    "psych": ("psychology",),
    "psycho": ("psychology",),
    "biz": ("business",),
    "admin": ("administration",),
    "comms": ("communication",),
    "counsellor": ("counselor",),
    "counsellors": ("counselor",),
    "counselling": ("counseling",),
    "programmer": ("developer",),
    "coder": ("developer",),
    "attorney": ("lawyer",),
    "doc": ("doctor",),
    "vet": ("veterinarian",),
    "vets": ("veterinarian",),
}
# Words that say what kind of thing is asked about, never which one.
_GENERIC = frozenset(
    (  # noqa: SIM905
        "career careers job jobs major majors study studying degree degrees field work working option options "
        "path match matches fit good best top recommend recommended recommendation list suit role profession "
        "course courses subject subjects and the for with of except all other others than more less school "
        "program programs programme person people thing things kind type area areas worker workers my me your "
        "why what which how not isnt wasnt didnt dont there here get got want wanted like become "
    ).split()
)
# The kind words, which typos of must not name a title ("carers" is "careers", not "Caregivers").
_KIND_WORDS = ("career", "careers", "major", "majors")
# A question word that matches this many catalog titles only in part says too little on its own
# ("manager"), unless the person's own list has it.
_AMBIGUOUS = 6
_WORD = re.compile(r"[a-z][a-z']*")


def _stem(word: str) -> str:
    word = word.replace("'", "")
    for suffix in ("ists", "ist", "ing", "ers", "er", "ies", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def question_words(question: str) -> list[str]:
    """The question's words, lower-cased, short forms spelled out ("comp sci" -> computer science)."""
    out: list[str] = []
    for word in _WORD.findall(question.casefold()):
        out.extend(_SHORT_FORMS.get(word, (word,)))
    return out


def _similar(a: str, b: str) -> bool:
    """Two words name the same thing: equal stems, a shared long prefix, or a small typo."""
    if a == b:
        return True
    sa, sb = _stem(a), _stem(b)
    if sa == sb:
        return True
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    if common >= 4 and common >= min(len(sa), len(sb)) - 1:
        return True
    if min(len(a), len(b)) >= 5 and a[0] == b[0]:
        # Two letters apart is a typo only in a long word ("engnering"), not a short one ("since" is
        # no "science").
        return SequenceMatcher(None, a, b).ratio() >= (0.83 if abs(len(a) - len(b)) < 2 else 0.88)
    return False


@dataclass(frozen=True)
class Candidate:
    """A career or major that can be named: from the person's list (rank) or the catalog."""

    kind: str  # "career" or "major"
    code: str
    title: str
    rank: int | None = None
    section_id: str | None = None
    words: tuple[str, ...] = ()

    @staticmethod
    def of(kind: str, code: str, title: str, rank: int | None = None, section_id: str | None = None) -> Candidate:
        # O*NET titles qualify after a comma ("Architects, Except Landscape and Naval"): the head names it.
        head = title.split(",", 1)[0]
        words = tuple(w for w in _WORD.findall(head.casefold()) if w not in _GENERIC and len(w) > 2)
        return Candidate(kind, code, title, rank, section_id, words)


@dataclass
class Match:
    """A candidate the question names, where (word positions) and how well."""

    candidate: Candidate
    positions: set[int] = field(default_factory=set)
    share: float = 0.0  # fraction of the title's words the question names

    @property
    def start(self) -> int:
        return min(self.positions)


def _naming(word: str) -> bool:
    """Whether a question word can name a title (not a kind word, nor a typo of one)."""
    if word in _GENERIC or len(word) <= 2:
        return False
    return not any(_similar(word, kind) for kind in _KIND_WORDS)


def _match(words: Sequence[str], naming: Sequence[bool], candidate: Candidate) -> Match | None:
    if not candidate.words:
        return None
    positions: set[int] = set()
    matched = 0
    for title_word in candidate.words:
        hit = [i for i, w in enumerate(words) if naming[i] and _similar(w, title_word)]
        if hit:
            matched += 1
            # the words that name it exactly, if any, are the only ones it claims: in "registered
            # nurse and nursing major", "nursing" stays free to name the major
            exact = [i for i in hit if words[i] == title_word or _stem(words[i]) == _stem(title_word)]
            positions.update(exact or hit)
    if not matched:
        return None
    partial = matched < len(candidate.words) and candidate.rank is None
    if partial and not any(_similar(w, candidate.words[-1]) for w in words):
        return None  # a partial catalog title must name its head noun: "pilot" names Airline Pilot
    return Match(candidate, positions, matched / len(candidate.words))


def resolve_items(
    question: str, candidates: Iterable[Candidate], limit: int = 3, prefer: str | None = None
) -> list[Match]:
    """The careers and majors `question` names, in the order it names them (at most `limit`).

    Each question word names at most one item: the one whose title it covers best, the person's
    own recommendation before a catalog entry, the `prefer`red kind ("career" or "major"), then
    the shorter title."""
    words = question_words(question)
    naming = [_naming(w) for w in words]
    matches = [m for c in candidates if (m := _match(words, naming, c)) is not None]
    partial_hits: dict[int, int] = {}
    for m in matches:
        if m.share < 1 and m.candidate.rank is None:
            for p in m.positions:
                partial_hits[p] = partial_hits.get(p, 0) + 1

    def usable(m: Match) -> bool:
        if m.share >= 1 or m.candidate.rank is not None:
            return True
        return m.share >= 0.5 and all(partial_hits.get(p, 0) < _AMBIGUOUS for p in m.positions)

    ranked = sorted(
        (m for m in matches if usable(m)),
        key=lambda m: (
            -len(m.positions),
            m.candidate.rank is None,
            m.candidate.kind != prefer,
            -m.share,
            len(m.candidate.title),
        ),
    )
    taken: set[int] = set()
    chosen: list[Match] = []
    seen: set[tuple[str, str]] = set()
    for m in ranked:
        key = (m.candidate.kind, m.candidate.title.casefold())
        if m.positions & taken or key in seen:
            continue
        taken |= m.positions
        seen.add(key)
        chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)[:limit]


# -- where candidates come from --------------------------------------------------------------------

_ITEM_TITLE = re.compile(r"^\s*(\d{1,3})\.\s+(\S.*?)\s*$")
_AREAS = {"careers": "career", "majors": "major"}


def recommended(chunks: Iterable[Any]) -> list[Candidate]:
    """The person's recommended careers and majors from their chunks ("careers:<code>", "1. Title")."""
    out = []
    for chunk in chunks:
        area, _, code = chunk.section_id.partition(":")
        match = _ITEM_TITLE.match(chunk.title)
        if area in _AREAS and code != "overview" and match:
            out.append(Candidate.of(_AREAS[area], code, match.group(2), int(match.group(1)), chunk.section_id))
    return sorted(out, key=lambda c: (c.kind, c.rank or 0))


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog row with what fit needs: its RIASEC profile and the skills it leans on."""

    kind: str
    code: str
    title: str
    description: str
    riasec: dict[str, float]
    skills: tuple[str, ...]

    @property
    def section_id(self) -> str:
        return ("job:" if self.kind == "career" else "major:") + self.code


class CatalogTitles:
    """Catalog titles per process, reloaded when a catalog table changes (row count or last update)."""

    _lock = threading.Lock()

    def __init__(self) -> None:
        self._version: Any = None
        self._entries: dict[tuple[str, str], CatalogEntry] = {}
        self._candidates: list[Candidate] = []

    _VERSION_SQL = text(
        "SELECT (SELECT count(*) FROM chat_jobs), (SELECT max(updated_at) FROM chat_jobs),"
        " (SELECT count(*) FROM chat_majors), (SELECT max(updated_at) FROM chat_majors)"
    )

    def load(self, session: Session) -> tuple[list[Candidate], dict[tuple[str, str], CatalogEntry]]:
        version = tuple(session.execute(self._VERSION_SQL).one())
        with self._lock:
            if version != self._version:
                entries: dict[tuple[str, str], CatalogEntry] = {}
                for kind, table in (("career", "chat_jobs"), ("major", "chat_majors")):
                    rows = session.execute(text(f"SELECT code, title, description, riasec, skills FROM {table}"))
                    for r in rows:
                        entries[(kind, r.code)] = CatalogEntry(
                            kind, r.code, r.title, r.description, dict(r.riasec or {}), tuple(r.skills or ())
                        )
                self._entries = entries
                self._candidates = [Candidate.of(e.kind, e.code, e.title) for e in entries.values()]
                self._version = version
            return self._candidates, self._entries

"""Plain-text helpers shared by the answer generators: sentences, keywords, clipping, word pieces.

No model and no network: deterministic string handling that the offline composer builds its answers
with and the Gemini generator streams its fallbacks with. Sentences are split so that an enumerated
list's "2." and an abbreviation's "e.g." never end a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from aptichat.llm import offline_phrases as P

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
MAX_SENTENCE_CHARS = 320


def _stem(word: str) -> str:
    # Crude but deterministic: "strengths"/"strength", "working"/"work" meet in the middle.
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str, *, split_hyphens: bool = True) -> list[str]:
    """Lower-cased words, hyphenated ones also as their parts ("thinking-skill" -> both) unless told not to."""
    out = []
    for word in _WORD.findall(text.lower()):
        out.append(word)
        if split_hyphens and "-" in word:
            out.extend(part for part in word.split("-") if part)
    return out


def keywords(text: str) -> set[str]:
    """Content words of `text`, lower-cased and stemmed."""
    return {_stem(w) for w in words(text) if w not in _STOPWORDS and len(w) > 2}


def question_keywords(question: str) -> set[str]:
    """`keywords` of the question plus the words the documents use for them ("strengths" -> "pronounced")."""
    found = keywords(question)
    for raw in words(question):
        for key in (raw, _stem(raw)):
            found.update(_stem(s) for s in P.SYNONYMS.get(key, ()))
    return found


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


def clip(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> str:
    """`sentence` cut at a word boundary to at most `limit` characters, marked with "..."."""
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def limit_text(text: str, max_chars: int) -> str:
    """Whole sentences of a fixed message while they fit; words of the first one if none does."""
    if len(text) <= max_chars:
        return text
    kept = ""
    for sentence in sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > max_chars:
            break
        kept = candidate
    return kept or clip(text, max_chars - 3)


def ensure_period(sentence: str) -> str:
    """`sentence` ending in ".", "!" or "?"."""
    return sentence if sentence[-1:] in ".!?" else sentence + "."


def is_boilerplate(sentence: str) -> bool:
    """Whether `sentence` is one of the documents' stock phrases that answer nothing."""
    lowered = sentence.lower()
    return any(phrase in lowered for phrase in P.BOILERPLATE)


def same_thing(a: str, b: str) -> bool:
    """True when two sentences say the same thing (equal, one inside the other, or nearly the same words)."""
    x, y = a.casefold().rstrip(".!? "), b.casefold().rstrip(".!? ")
    if x in y or y in x:
        return True
    kx, ky = keywords(x), keywords(y)
    return bool(kx and ky) and len(kx & ky) / len(kx | ky) >= 0.75


def join_names(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def display_title(title: str) -> str:
    """'2. Medical Scientist' -> 'Medical Scientist'; 'Social interests (S)' -> 'Social interests'."""
    name = re.sub(r"^\s*\d{1,3}\.\s+", "", title)
    return re.sub(r"\s*\([A-Z]\)\s*$", "", name).strip() or title.strip()


def ordinal(n: int) -> str:
    """1 -> '1st', 12 -> '12th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def mentions(question_words: set[str], title: str) -> bool:
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


def word_pieces(text: str) -> Iterator[str]:
    """`text` as words with their trailing whitespace; the pieces concatenate back to `text`."""
    yield from (piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece)

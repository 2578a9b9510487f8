"""Turn a chat message into the plain form the safety rules are written against.

Students type fast and in many ways: "I'm", "Im", "i`m"; "d1e"; "f u c k"; "dieeee"; "myslef".
The rules in `signals.py` are written once against one spelling, so this module does the work of
folding the others onto it: lower case, no accents, no apostrophes, digits-for-letters undone,
long letter runs shortened, spelled-out letters joined and a few typos of key words corrected.
Everything here is deterministic and costs microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = re.compile("['`\u2018\u2019\u00b4]")
_TOKEN = re.compile(r"[a-z0-9@$*]+")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_BANG_FOR_I = re.compile(r"(?<=[a-z])[!|](?=[a-z])")
_LONG_RUN = re.compile(r"([a-z])\1{2,}")

# Words the typo step may correct towards. Short words are only corrected for a swapped pair of
# letters ("wnat"): a wider net would turn ordinary words into key words ("love" -> "live").
_KEY_WORDS: tuple[str, ...] = (
    "want", "wanna", "kill", "life", "live", "dead", "death", "alive",
    "myself", "suicide", "suicidal", "hopeless", "overdose", "anymore", "worthless",
    "anything", "everything", "without", "commit", "committing", "hurting", "cutting",
    "unalive", "nobody", "burden", "pointless", "disappear",
)  # fmt: skip
_KEY_SET = frozenset(_KEY_WORDS)

# Real words that sit one edit from a key word; never "corrected".
_PROTECTED = frozenset(
    {
        "went", "wait", "what", "wand", "wart", "lift", "like", "love", "lives", "liver", "deal",
        "dear", "deed", "hunting", "hurling", "putting", "cutters", "committed", "committee",
        "comment", "without", "mystery", "anyway", "anyone", "everyone", "pointer", "burdens", "painless",
    }
)  # fmt: skip

# Common variant spellings that are not one typo away but mean the same thing.
_VARIANTS: dict[str, str] = {
    "lyfe": "life",
    "myslf": "myself",
    "meself": "myself",
    "urself": "yourself",
    "yourslef": "yourself",
    "sucide": "suicide",
    "suicid": "suicide",
    "sewerslide": "suicide",
    "kil": "kill",
    "slef": "self",
    "exsist": "exist",
    "ded": "dead",
    "u": "you",
    "ur": "your",
    "r": "are",
}

# Words people spell out letter by letter ("k m s", "f u c k"); other single-letter runs
# ("u r a loser") stay as they are.
_SPELLED_OUT = frozenset({"kms", "kys", "fuck", "fck", "stfu", "die", "kill", "dead", "suicide", "help", "sos"})


# Words a longer spelled-out run may be cut into ("i w a n t  t o  d i e" -> "i want to die"); the cut
# is kept only when it holds a key word (a spelled-out one, "myself", "alive", "end"), so "u r a loser"
# stays as written.
_RUN_WORDS = frozenset(
    {
        *_SPELLED_OUT, "i", "im", "a", "me", "my", "myself", "want", "wanna", "to", "be", "end", "it", "going",
        "gonna", "just", "hate", "life", "alive", "not", "dont", "cant", "anymore", "so", "go", "need", "am",
    }
)  # fmt: skip


def _cut_run(letters: str) -> list[str] | None:
    """`letters` cut into the fewest `_RUN_WORDS`, or None when it cannot be cut or holds no key word."""
    best: list[list[str] | None] = [[]] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 8), end):
            head = best[start]
            fewer = best[end] is None or len(head or []) + 1 < len(best[end] or [])
            if head is not None and letters[start:end] in _RUN_WORDS and fewer:
                best[end] = [*head, letters[start:end]]
    words = best[-1]
    return words if words and any(w in _SPELLED_OUT or w in ("myself", "alive", "end") for w in words) else None


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (edits incl. one adjacent swap), stopping past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


def _is_swap(a: str, b: str) -> bool:
    if len(a) != len(b) or a == b:
        return False
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]


@lru_cache(maxsize=4096)
def _correct(token: str) -> str:
    """The key word `token` is a typo of, or `token` itself."""
    if token in _VARIANTS:
        return _VARIANTS[token]
    if token in _KEY_SET or token in _PROTECTED or len(token) < 4:
        return token
    for key in _KEY_WORDS:
        if key[0] != token[0] and not _is_swap(token, key):
            continue
        if len(key) <= 5:
            if _is_swap(token, key):
                return key
        elif len(token) >= 5:
            limit = 2 if len(key) >= 8 else 1
            if _osa_distance(token, key, limit) <= limit:
                return key
    return token


# Letters NFKD does not split into a base letter and an accent (Polish, Turkish, Nordic).
_UNSPLIT = str.maketrans({"ł": "l", "\u0131": "i", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "ß": "ss"})


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().translate(_UNSPLIT)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text)
    # "d!e", "k!ll": an exclamation mark between letters stands for an i.
    return _BANG_FOR_I.sub("i", text)


def _untangle(token: str) -> str:
    if any(c.isalpha() for c in token) and any(c in "0134579@$" for c in token):
        token = token.translate(_LEET)
    return _LONG_RUN.sub(r"\1", token)


def normalise(message: str) -> str:
    """The message as space-separated plain tokens: lower case, ASCII letters, typos folded."""
    tokens = [_untangle(t) for t in _TOKEN.findall(_fold(message))]
    joined: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        # "f u c k", "k m s": a run of single letters may be one spelled-out word.
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if len(run) >= 3 and "".join(run) in _SPELLED_OUT:
            joined.append("".join(run))
        elif len(run) >= 5 and (words := _cut_run("".join(run))):
            joined.extend(words)
        else:
            joined.extend(run)
        run = []
        if token:
            # "killmyself", "endmylife": words typed without spaces, cut only into key phrases.
            cut = _cut_run(token) if len(token) >= 6 and token not in _KEY_SET else None
            joined.extend(cut or [token])
    text = " ".join(_correct(t) for t in joined)
    # "my self", "kill my self", "un alive": one word in every rule.
    text = re.sub(r"\bmy self\b", "myself", text)
    return re.sub(r"\bun alive\b", "unalive", text)

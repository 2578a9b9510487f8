"""The semantic layer: nearest exemplars in embedding space, used only to RAISE distress recall.

The rules in `signals.py` catch the phrasings they were written for; a student in crisis often
finds another. With an embedder (the app's local all-MiniLM-L6-v2), each sentence of a message is
compared with the DISTRESS and SAFE exemplar banks (`exemplars.py`); a sentence counts as distress
when its best DISTRESS cosine reaches `THRESHOLDS[model]` AND beats its best SAFE cosine by
`MARGIN` (so "this exam is killing me" stays with its safe neighbours). A sentence that talks about
careers or studies is never judged here (the rules still see it), so career questions about
psychology, nursing or the police cannot trip it, and neither can a bedtime sign-off. It can only
add a distress finding, never remove one, and never produces abuse.

The banks are embedded once per model, lazily, on the first message that needs them, and cached for
the process. So are the scores of judged sentences (two numbers per sentence, keyed by a digest of the
sentence, never its text or vector): people ask the same few questions again and again, and embedding a
sentence costs more than everything else in an answer served from the answer cache. Models without
a threshold chosen on dev data (e.g. Gemini) get no semantic layer.

The learned layer (`learned.py`) scores the same sentence vectors, plus the whole message when it has
several sentences and none is guarded; `judge()` asks it after the exemplars. One embedding per judged
part serves both layers, and the kept scores hold its two probabilities beside the two cosines.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass

import numpy as np

from aptichat.embeddings.base import Embedder
from aptichat.lru import LRU
from aptichat.neutral import neutral_query
from aptichat.safety import learned
from aptichat.safety.exemplars import DISTRESS, SAFE
from aptichat.settings import LOCAL_EMBEDDING_MODEL

# Chosen on the dev corpora in tests/safety (see tests/safety/README.md for the sweep).
THRESHOLDS: dict[str, float] = {LOCAL_EMBEDDING_MODEL: 0.55}
MARGIN = 0.03
SIGNAL_NAME = "semantic_distress"

MAX_SENTENCES = 8
MAX_WHOLE = 1000  # characters of a whole message the learned layer judges
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;\n])\s+|\s*\n\s*|,\s+(?:and|but|so)\s+")
# A sentence about careers, study choices or a field of work is left to the rules.
CAREER_GUARD = re.compile(
    r"\b(?:career|careers|job|jobs|work|working|profession\w*|occupation\w*|major|majors|degree|degrees|course|"
    r"courses|university|college|uni|salary|salaries|earn|earns|become|becoming|study|studying|studies|subject|"
    r"subjects|internship|apprenticeship|recommend\w*|results?|scores?|report|riasec|personality|interview|cv|"
    r"resume|field|specialt\w*|training|qualification\w*|\w+olog(?:y|ist|ists)|\w+iatr\w*|nurse|nursing|doctor|"
    r"medic\w*|paramedic\w*|police|officer|soldier|army|navy|military|firefighter|counsel+or\w*|therapist\w*|"
    r"social work\w*|game|games|gaming|fortnite|minecraft|roblox|character|level|boss)\b",
    re.IGNORECASE,
)
# A bedtime or see-you sign-off is not a farewell ("i'm going to bed, goodbye"); the rules still
# judge final goodbyes ("goodbye forever", "this is my last message").
SIGN_OFF = re.compile(
    r"\b(?:going to bed|off to bed|going to sleep now|bedtime|good ?night|gn|nighty? night|see you|see ya|cya|"
    r"talk (?:to you )?(?:later|tomorrow|soon)|ttyl|logging off|signing off)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Banks:
    distress: np.ndarray  # (n, dim) unit rows
    safe: np.ndarray


_banks: dict[tuple[str, str, int], _Banks] = {}
_lock = threading.Lock()
# (embedder key, sha256 of a judged part) -> (best DISTRESS cosine, best SAFE cosine, learned P(distress),
# learned P(abuse))
_sentence_scores: LRU[tuple[tuple[str, str, int], str], tuple[float, float, float, float]] = LRU(4096)


def _key(embedder: Embedder) -> tuple[str, str, int]:
    return (type(embedder).__qualname__, embedder.model, embedder.dim)


def banks(embedder: Embedder) -> _Banks:
    """The exemplar banks embedded by `embedder`: computed on first use, then cached per model."""
    key = _key(embedder)
    found = _banks.get(key)
    if found is None:
        with _lock:
            found = _banks.get(key)
            if found is None:
                vectors = np.asarray(embedder.embed_documents([*DISTRESS, *SAFE]), dtype=np.float32)
                found = _banks[key] = _Banks(distress=vectors[: len(DISTRESS)], safe=vectors[len(DISTRESS) :])
    return found


def sentences(message: str) -> list[str]:
    """The parts of `message` judged one by one (a long message hides one line of distress)."""
    parts = [p.strip() for p in _SENTENCE_SPLIT.split(message.strip()) if p and p.strip()]
    parts = [p for p in parts if len(p.split()) >= 2] or [message.strip()]
    return parts[:MAX_SENTENCES]


def _judged(message: str) -> tuple[list[str], str | None]:
    """The sentences both layers judge (guarded ones and sign-offs left out) and, for the learned layer,
    the whole message when it has several sentences and none is guarded (distress spread over them)."""
    if SIGN_OFF.search(message):
        return [], None
    # Who is asking must not change the verdict: "my father says ..." and "my mother says ..." are
    # judged as the same text by both embedding layers (identity words and a self-introduced name
    # made neutral, aptichat.neutral); the rules see the message as written.
    message = neutral_query(message)
    every = sentences(message)
    judged = [s for s in every if not CAREER_GUARD.search(s)]
    whole = message.strip()[:MAX_WHOLE] if len(judged) > 1 and len(judged) == len(every) else None
    return judged, whole


def judged_parts(message: str) -> list[str]:
    """Everything the learned layer scores for `message` (its probabilities are the maximum over these)."""
    judged, whole = _judged(message)
    return [*judged, whole] if whole else judged


def _part_scores(parts: list[str], embedder: Embedder) -> list[tuple[float, float, float, float]]:
    """(best DISTRESS cosine, best SAFE cosine, learned P(distress), learned P(abuse)) per part, from one
    embedding of the parts not scored before. P is 0 when the learned layer does not apply."""
    if not parts:
        return []
    bank = banks(embedder)
    model = learned.classifier()
    if model is not None and model.meta.get("embedding_model") != embedder.model:
        model = None
    keys = [(_key(embedder), hashlib.sha256(s.encode()).hexdigest()) for s in parts]
    found = [_sentence_scores.get(k) for k in keys]
    missing = [i for i, f in enumerate(found) if f is None]
    if missing:
        texts = [parts[i] for i in missing]
        vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
        distress, safe = (vectors @ bank.distress.T).max(axis=1), (vectors @ bank.safe.T).max(axis=1)
        probs = model.probabilities(texts, vectors) if model else np.zeros((len(texts), 3), np.float32)
        for j, i in enumerate(missing):
            found[i] = (float(distress[j]), float(safe[j]), float(probs[j, 1]), float(probs[j, 2]))
            _sentence_scores.put(keys[i], found[i])  # type: ignore[arg-type]
    return [f for f in found if f is not None]


def scores(message: str, embedder: Embedder) -> list[tuple[float, float]]:
    """(best DISTRESS cosine, best SAFE cosine) for each judged sentence of `message` (guarded ones
    left out)."""
    judged, _ = _judged(message)
    return [(d, s) for d, s, _, _ in _part_scores(judged, embedder)]


def is_distress(message: str, embedder: Embedder, threshold: float | None = None, margin: float = MARGIN) -> bool:
    """True when one sentence of `message` is near enough a distress exemplar and nearer to it than
    to any safe one. `threshold` None uses the model's chosen threshold (no threshold: False)."""
    limit = THRESHOLDS.get(embedder.model) if threshold is None else threshold
    if limit is None or not message.strip():
        return False
    return any(d >= limit and d - s >= margin for d, s in scores(message, embedder))


def learned_probabilities(message: str, embedder: Embedder) -> tuple[float, float]:
    """The learned layer's highest P(distress) and P(abuse) over the judged parts of `message`."""
    if THRESHOLDS.get(embedder.model) is None or not message.strip():
        return 0.0, 0.0
    found = _part_scores(judged_parts(message), embedder)
    return max((f[2] for f in found), default=0.0), max((f[3] for f in found), default=0.0)


def judge(message: str, embedder: Embedder) -> str | None:
    """The signal the embedding layers raise for a message the rules found nothing in, or None:
    the exemplar layer's distress, else the learned layer's distress, else its abuse."""
    if is_distress(message, embedder):
        return SIGNAL_NAME
    model = learned.classifier()
    if model is None:
        return None
    p_distress, p_abuse = learned_probabilities(message, embedder)
    if p_distress >= model.threshold:
        return learned.SIGNAL_NAME
    if p_abuse >= model.abuse_threshold:
        return learned.ABUSE_SIGNAL_NAME
    return None

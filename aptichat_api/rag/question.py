"""What the person asked: validation, injection markers and intent (follow-ups: `followups.py`).

Everything here works offline. Intent classification combines keyword rules (precise but narrow)
with embedding prototypes (a handful of example questions per intent, embedded once per process per
embedding model) so paraphrases the rules miss still land in the right place.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from aptichat.intents import Intent

DEFAULT_MAX_QUESTION_CHARS = 2000


class QuestionRejected(ValueError):
    """A question we refuse to process; `code` is stable and safe to show to API clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# C0/C1 controls other than ordinary whitespace. Tabs and newlines are normal in pasted text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate_question(question: object, max_chars: int = DEFAULT_MAX_QUESTION_CHARS) -> str:
    """The question stripped and NFC-normalised, or QuestionRejected with a stable code."""
    if not isinstance(question, str):
        raise QuestionRejected("question_invalid", "The question must be text.")
    if _CONTROL.search(question):
        raise QuestionRejected("question_invalid", "The question contains control characters.")
    text = unicodedata.normalize("NFC", question).strip()
    if not text:
        raise QuestionRejected("question_empty", "Please type a question.")
    if len(text) > max_chars:
        raise QuestionRejected(
            "question_too_long",
            f"The question is {len(text)} characters long; the limit is {max_chars}.",
        )
    return text


def normalise_question(text: str) -> str:
    """Lower case, collapsed whitespace, no trailing punctuation: the answer-cache key."""
    return re.sub(r"\s+", " ", text.casefold()).strip().rstrip("?!. ")


# Flagged, never rejected: the advisor answers normally from the person's own data only, and the
# flag is recorded so admins can see attempts.
_INJECTION = {
    "ignore_instructions": re.compile(
        r"\b(ignore|disregard|forget)\b.{0,30}\b(previous|prior|above|your|all|the)\b.{0,20}"
        r"\b(instructions?|rules|prompt)",
        re.I,
    ),
    "system_prompt": re.compile(r"\b(system|hidden|initial)\s+(prompt|instructions?|message)\b", re.I),
    "other_user": re.compile(
        r"\b(show|give|print|read|list|tell)\b.{0,25}\b(user|person|student|account)s?\b\s*(#|id|number)?\s*[\w@.-]*"
        r"|\b(other|another|all)\s+(users?|people|students|accounts)\b",
        re.I,
    ),
    "role_play": re.compile(r"\b(you are now|act as|pretend to be|developer mode|jailbreak)\b", re.I),
    "sql": re.compile(r"(;\s*(drop|delete|update|insert|select)\b|--\s*$|\bunion\s+select\b)", re.I),
}


def injection_markers(text: str) -> list[str]:
    """Names of the prompt-injection patterns the text matches (empty when none)."""
    return [name for name, pattern in _INJECTION.items() if pattern.search(text)]


class QueryEmbedder(Protocol):
    """The part of aptichat.embeddings.Embedder the classifier needs."""

    model: str

    def embed_documents(self, texts: list[str], titles: list[str] | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


# A handful of example questions per intent. They are embedded as *queries* so they live in the
# same space as the question being classified.
PROTOTYPES: dict[Intent, tuple[str, ...]] = {
    Intent.PERSONALITY: (
        "What does my personality profile say about me?",
        "Am I an introvert or an extravert?",
        "What are my personality strengths?",
        "How do I deal with stress and emotions?",
        "Am I organised and conscientious?",
        "What is my Holland code and what are my interests?",
    ),
    Intent.THINKING_SKILLS: (
        "How good am I at numerical reasoning?",
        "What were my thinking skills results?",
        "Is my verbal reasoning strong?",
        "How did I score on spatial and logical reasoning?",
        "Which cognitive ability is my weakest?",
    ),
    Intent.CAREERS: (
        "Which careers suit me?",
        "Why was nursing recommended for me?",
        "What jobs should I consider?",
        "Would I be a good software developer?",
        "What career paths fit my profile?",
        "Tell me about the occupations you recommended.",
    ),
    Intent.MAJORS: (
        "Which majors should I study?",
        "What should I study at university?",
        "Is psychology a good major for me?",
        "Which degree programs fit my interests?",
        "What college courses do you recommend?",
    ),
    Intent.GENERAL_GUIDANCE: (
        "How do I choose between two options?",
        "What should I do next to decide on my future?",
        "How can I use these results to plan my education?",
        "What does this aptitude test measure?",
        "How reliable are these results?",
    ),
    Intent.SMALLTALK: (
        "Hello!",
        "Thanks, that was helpful.",
        "How are you today?",
        "Good morning",
        "Who are you?",
    ),
    Intent.OUT_OF_SCOPE: (
        "What is the weather tomorrow?",
        "Write me a Python script.",
        "Who won the football match yesterday?",
        "What is the capital of France?",
        "Give me a recipe for pancakes.",
        "What is the stock price of Apple?",
    ),
}

# Keyword rules: (pattern, intent, weight). Weights are added to the prototype similarity, so one
# strong keyword outweighs a close-but-wrong prototype.
_RULES: tuple[tuple[re.Pattern[str], Intent, float], ...] = (
    (
        re.compile(
            r"\b(personality|introvert\w*|extravert\w*|extrovert\w*|openness|conscientious\w*|agreeable\w*"
            r"|neuroticism|emotional\w*|temperament|character|traits?|holland|riasec|interests?|open|creative"
            r"|sociable|shy|outgoing|stress\w*|organi[sz]ed|realistic|investigative|artistic|social|enterprising"
            r"|conventional)\b",
            re.I,
        ),
        Intent.PERSONALITY,
        0.3,
    ),
    (
        re.compile(
            r"\b(thinking skills?|reasoning|numerical|verbal|spatial|logical|working memory|memory"
            r"|cognitive|aptitude scores?|iq|math\w*)\b",
            re.I,
        ),
        Intent.THINKING_SKILLS,
        0.35,
    ),
    (
        re.compile(r"\b(careers?|jobs?|occupations?|professions?|work as|become an?|employ\w*|nurs\w+)\b", re.I),
        Intent.CAREERS,
        0.35,
    ),
    (
        re.compile(
            r"\b(majors?|study|studies|degrees?|university|college|courses?|programs?|programmes?|subjects?)\b", re.I
        ),
        Intent.MAJORS,
        0.35,
    ),
    (
        re.compile(r"^\s*(hi|hello|hey|thanks?|thank you|good (morning|evening|afternoon)|bye|ok(ay)?)\b", re.I),
        Intent.SMALLTALK,
        0.4,
    ),
    # Greetings and thanks as students type them, in a few languages, and questions about the advisor.
    (
        re.compile(
            r"^\s*(he+y+|hiya|yo+|sup|wassup|heya|howdy|thx|ty|tysm|cheers|merci|gracias|danke|grazie|obrigad[oa]"
            r"|dank ?je(wel)?|dzi[eę]kuj[eę]|te[sş]ekk[uü]r\w*|terima kasih|makasih|salamat|shukriya|dhanyavaad|hola"
            r"|bonjour|salut|hallo|ciao|ol[aá]|namaste|good ?night|see (you|ya))\b"
            r"|\b(what can you do|what do you do|who (made|built|created|programmed) you|are you (a |an )?(real|human"
            r"|person|bot|robot|ai)|what are you|how do you work|nice to meet you|how are you)\b",
            re.I,
        ),
        Intent.SMALLTALK,
        0.45,
    ),
    (
        re.compile(
            r"\b(weather|recipe|football|soccer|stock price|bitcoin|capital of|python script|write (me )?(a |an )?"
            r"(poem|code|essay|script)|movie|celebrity|lottery)\b",
            re.I,
        ),
        Intent.OUT_OF_SCOPE,
        0.5,
    ),
    # Everyday requests that have nothing to do with the test, and other people's results.
    (
        re.compile(
            r"\b(netflix|tv (show|series)|series to watch|anime|songs?|playlist|pizza|calories|homework|translate"
            r"|election|jokes?|bike chain|what time is it|time zone|solve (x|this|the equation|for)|equation"
            r"|(my )?(friend|brother|sister|classmate|mate|cousin)'?s? (\w+'?s )?(results|scores|profile|test)"
            r"|someone else'?s (results|scores|profile)|girlfriend|boyfriend|crush|dating|video games? to play"
            r"|restaurant near|horoscope|zodiac)\b",
            re.I,
        ),
        Intent.OUT_OF_SCOPE,
        0.5,
    ),
    # How to use the results, how the test works, being undecided: general guidance.
    (
        re.compile(
            r"\b(how (do|does|should|can|would) (people|someone|students|most people|others|anyone) (usually |even |act"
            r"ually |best |"
            r"normally )?(pick|choose|decide|explore|figure out|find out|narrow)|not sure (yet|what i want)|no idea "
            r"what (i want|to do)|undecided|accurate|reliable|retak\w*|take (the|this) test again|results? (ever )?"
            r"change|decide my future|test (is )?measur\w*|what does (this|the) test|percentile mean|gut feeling"
            r"|trust (these|my|the) results|feel (a bit |so |kinda |really )?lost|how (was|is) (this|the) test"
            r"|what (is|are) (a |the )?(percentile|scale guide|holland code)|know what (i|they|we|everyone) want"
            r"|what i want to do (with my life|after school|later)|figure out what i (want|like))\b",
            re.I,
        ),
        Intent.GENERAL_GUIDANCE,
        0.7,
    ),
    # Money and training for a career.
    (
        re.compile(r"\b(salar\w*|well paid|pays?|paid|earn\w*|wages?|afford|expensive|training|apprentice\w*)\b", re.I),
        Intent.CAREERS,
        0.3,
    ),
    # Who am I, what am I like: the personality profile (and interests).
    (
        re.compile(
            r"\b(what kind of (person|people)|who am i|describe me|what am i like|thinker|doer|hands[- ]on|people"
            r" person|creativ\w*|imaginat\w*|confiden\w*|in front of (a |the )?(class|people|crowd)|public speaking"
            r"|lonely|people job|team ?player|leader\w*|lazy|calm|curious)\b",
            re.I,
        ),
        Intent.PERSONALITY,
        0.3,
    ),
    # Abilities in everyday words: shapes, numbers, remembering; "my skills".
    (
        re.compile(
            r"\b(shapes|3d|3-d|puzzles?|visuali[sz]\w*|good with (numbers|words)|remember\w*|my (\w+ )?skills?"
            r"|weakest|strongest (area|skill)|smart|clever|brainy|intelligen\w*)\b",
            re.I,
        ),
        Intent.THINKING_SKILLS,
        0.3,
    ),
)

# Below this prototype similarity, with no keyword either, the question is not about the test.
_OUT_OF_SCOPE_FLOOR = 0.25


class _PrototypeBank:
    """Prototype vectors per embedding model, computed once per process."""

    _lock = threading.Lock()
    _banks: dict[str, tuple[list[Intent], np.ndarray]] = {}

    @classmethod
    def get(cls, embedder: QueryEmbedder) -> tuple[list[Intent], np.ndarray]:
        key = getattr(embedder, "model", type(embedder).__name__)
        with cls._lock:
            bank = cls._banks.get(key)
            if bank is None:
                labels = [intent for intent, examples in PROTOTYPES.items() for _ in examples]
                texts = [example for examples in PROTOTYPES.values() for example in examples]
                vectors = np.vstack([embedder.embed_query(t) for t in texts]).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
                bank = (labels, vectors)
                cls._banks[key] = bank
            return bank


@dataclass(frozen=True)
class IntentScore:
    intent: Intent
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)


class IntentClassifier:
    """Keyword rules plus nearest embedding prototypes; works without any network."""

    def __init__(self, embedder: QueryEmbedder | None = None) -> None:
        self.embedder = embedder

    def classify(self, question: str, query_vector: np.ndarray | None = None) -> IntentScore:
        """The most likely intent. Pass `query_vector` when the question is already embedded."""
        # The topics the classifier can pick (Intent.SAFETY is the safety layer's, never a topic).
        scores = {intent: 0.0 for intent in PROTOTYPES}
        keyword_hit = False
        for pattern, intent, weight in _RULES:
            hits = len(pattern.findall(question))
            if hits:
                keyword_hit = True
                scores[intent] += weight * min(hits, 2)
        best_similarity = 0.0
        if self.embedder is not None:
            try:
                labels, bank = _PrototypeBank.get(self.embedder)
                vector = query_vector if query_vector is not None else self.embedder.embed_query(question)
                vector = np.asarray(vector, dtype=np.float32)
                vector = vector / (np.linalg.norm(vector) + 1e-12)
                similarities = bank @ vector
                for intent in PROTOTYPES:
                    mask = [label == intent for label in labels]
                    scores[intent] += float(similarities[mask].max())
                best_similarity = float(similarities.max())
            except Exception:  # an embedder failure must not block the answer: rules alone decide
                best_similarity = 0.0
        if not keyword_hit and (self.embedder is None or best_similarity < _OUT_OF_SCOPE_FLOOR):
            # Nothing recognisable. Without an embedder be generous (general guidance) rather than
            # refuse a question we simply could not read.
            fallback = Intent.OUT_OF_SCOPE if self.embedder is not None else Intent.GENERAL_GUIDANCE
            return IntentScore(fallback, 0.0, {k.value: v for k, v in scores.items()})
        best = max(scores, key=lambda intent: scores[intent])
        return IntentScore(best, scores[best], {k.value: round(v, 4) for k, v in scores.items()})

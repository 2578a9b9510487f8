"""The learned layer: a small classifier over MiniLM vectors and hashed character n-grams.

The rules (`signals.py`) and the exemplar banks (`exemplars.py`) catch the wording they were written
for; every fresh corpus showed that a student in crisis often finds another. This layer is a
multinomial logistic regression (none / distress / abuse) trained on every dev corpus in tests/safety
plus written training text (tests/safety/training_*.tsv) by `aptichat/safety/training.py`, run as
`python -m aptichat.safety.training --write`. Its features are the message's MiniLM vector (meaning,
English-centric) and hashed character 2-5-grams of its normalised words (typos, inflections, other
languages), so it generalises beyond exact phrasings; its threshold was chosen by leave-one-corpus-out
(benchmarks/safety_generalisation.py).

The weights ship in `data/classifier.npz` (~100 KB), with the sha256 of the training text they came
from (tests/safety checks it against the files). Inference is numpy only: one matrix product, no
network, deterministic. Like the exemplar layer it only ever RAISES a finding and never clears a rule's.
"""

from __future__ import annotations

import json
import threading
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from aptichat.safety.normalise import normalise

WEIGHTS = Path(__file__).parent / "data" / "classifier.npz"
LABELS = ("none", "distress", "abuse")
HASH_DIM = 1 << 13
NGRAMS = (2, 3, 4, 5)
SIGNAL_NAME = "learned_distress"
ABUSE_SIGNAL_NAME = "learned_abuse"


def _script_words(text: str) -> list[str]:
    """Runs of letters AND combining marks: Devanagari, Bengali or Thai vowel signs are marks, and a
    letters-only pattern cut 'मरना' into 'मरन' (the dropped sign is what makes the word)."""
    words: list[str] = []
    current: list[str] = []
    for char in text:
        if unicodedata.category(char)[0] in "LM":
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def feature_words(message: str) -> list[str]:
    """The normalised words (`normalise`: Latin script, typos folded) plus the message's words in
    other scripts (Cyrillic, Arabic, Devanagari, CJK...), which `normalise` drops."""
    other = [w for w in _script_words(unicodedata.normalize("NFKC", message).lower()) if max(w) > "\u024f"]
    return normalise(message).split() + other


def _ngrams(words: list[str]) -> list[str]:
    """Character n-grams of each word padded with spaces, plus the words and word pairs."""
    grams = [f"w:{w}" for w in words]
    grams += [f"b:{a} {b}" for a, b in pairwise(words)]
    for word in words:
        padded = f" {word} "
        for n in NGRAMS:
            grams += [padded[i : i + n] for i in range(max(len(padded) - n + 1, 1))]
    return grams


def ngram_features(messages: Sequence[str]) -> np.ndarray:
    """(len(messages), HASH_DIM) rows: hashed n-gram counts of the normalised text, log-scaled, unit length."""
    rows = np.zeros((len(messages), HASH_DIM), dtype=np.float32)
    for i, message in enumerate(messages):
        for gram in _ngrams(feature_words(message)):
            rows[i, zlib.crc32(gram.encode()) & (HASH_DIM - 1)] += 1.0
    np.log1p(rows, out=rows)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-9)


def features(messages: Sequence[str], vectors: np.ndarray, embedding_weight: float) -> np.ndarray:
    """The classifier's input: the MiniLM vectors (scaled) beside the n-gram rows."""
    return np.hstack([np.asarray(vectors, dtype=np.float32) * embedding_weight, ngram_features(messages)])


@dataclass(frozen=True)
class Classifier:
    weights: np.ndarray  # (features, 3)
    bias: np.ndarray  # (3,)
    embedding_weight: float
    threshold: float  # P(distress) at or above which a message part is distress
    abuse_threshold: float  # P(abuse) at or above which an otherwise clean message is abuse (> 1: never)
    meta: dict[str, object]  # training data digest, model, figures

    def probabilities(self, messages: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """(len(messages), 3) probabilities in LABELS order."""
        logits = features(messages, vectors, self.embedding_weight) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                weights=self.weights.astype(np.float16),
                bias=self.bias.astype(np.float32),
                config=np.array(
                    json.dumps(
                        {
                            "embedding_weight": self.embedding_weight,
                            "threshold": self.threshold,
                            "abuse_threshold": self.abuse_threshold,
                            "meta": self.meta,
                        },
                        sort_keys=True,
                    )
                ),
            )

    @classmethod
    def load(cls, path: Path) -> Classifier:
        with np.load(path, allow_pickle=False) as data:
            config = json.loads(str(data["config"]))
            return cls(
                weights=data["weights"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                embedding_weight=float(config["embedding_weight"]),
                threshold=float(config["threshold"]),
                abuse_threshold=float(config["abuse_threshold"]),
                meta=dict(config["meta"]),
            )


_loaded: dict[Path, Classifier] = {}
_lock = threading.Lock()


def classifier(path: Path = WEIGHTS) -> Classifier | None:
    """The shipped classifier, loaded once per process; None when the file is absent."""
    found = _loaded.get(path)
    if found is None and path.exists():
        with _lock:
            found = _loaded.get(path)
            if found is None:
                found = _loaded[path] = Classifier.load(path)
    return found

"""Train the learned safety layer (`learned.py`) and measure how it generalises, deterministically.

    python -m aptichat.safety.training --write     # retrain, choose thresholds, write data/classifier.npz

Training data: every dev corpus in tests/safety (`corpus_dev*.tsv`), the written training text
(`tests/safety/training_*.tsv`: paraphrases, indirect wording and other languages written for training,
never taken from a test corpus) and the exemplar banks (`exemplars.py`). The held-out corpora in
tests/safety_holdout are never read here.

Generalisation is estimated by leave-one-corpus-out (LOCO): for each dev corpus, a model trained on
everything else scores it. The corpora were written at different times by different writers, so the
left-out one approximates fresh wording. The distress threshold is the lowest on a grid whose pooled
LOCO over-trigger on the `none` messages (rules OR exemplars OR model) is at most `OVER_TRIGGER_BUDGET`.
Everything is plain numpy (full-batch Adam from zeros, fixed steps): the same data gives the same weights.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aptichat.embeddings.base import Embedder
from aptichat.neutral import neutral_query
from aptichat.safety import exemplars
from aptichat.safety.learned import LABELS, WEIGHTS, Classifier, feature_words, ngram_features
from aptichat.safety.semantic import judged_parts
from aptichat.settings import LOCAL_EMBEDDING_MODEL

REPO = Path(__file__).resolve().parents[2]
SAFETY_TESTS = REPO / "tests" / "safety"
CHAT_QUESTIONS = REPO / "tests" / "api" / "rag" / "questions"
OVER_TRIGGER_BUDGET = 0.03
THRESHOLD_GRID = tuple(round(float(t), 2) for t in np.arange(0.30, 0.97, 0.02))
EMBEDDING_WEIGHT = 1.0
L2 = 1e-5  # chosen by LOCO (benchmarks/safety_generalisation.py): 1e-2, 1e-3, 1e-4, 3e-5, 1e-5 tried
STEPS = 250
LEARNING_RATE = 0.05

Row = tuple[str, str]  # (label, message)


def read_tsv(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, message = line.split("\t", 1)
        if label not in LABELS:
            raise ValueError(f"{path.name}: unknown label {label!r}")
        rows.append((label, message.strip()))
    return rows


def message_key(message: str) -> str:
    """A message as the n-grams see it (normalised Latin words plus words in other scripts): two messages
    with one key are one message. `normalise` alone maps every all-Cyrillic or all-CJK message to ''."""
    return " ".join(feature_words(message))


def dev_corpora(folder: Path = SAFETY_TESTS) -> dict[str, list[Row]]:
    return {p.name: read_tsv(p) for p in sorted(folder.glob("corpus_dev*.tsv"))}


def chat_questions(folder: Path = CHAT_QUESTIONS) -> list[Row]:
    """The answer-quality DEV question sets (dev*.jsonl; never a holdout) as training rows: what students
    ordinarily ask the chat (small talk, questions about the bot, worries about ability, sad-but-safe)
    is "none", a question written as distress is "distress". Without them the model, trained on
    messages written near the safety boundary, answered "who made you" as abuse and "do I have what it
    takes to be a pilot?" as distress. Their over-trigger figure in test_answer_quality is then a
    training figure; the held-out question sets stay out."""
    # a question that is also a message of a dev corpus stays out: LOCO would see it through this text
    in_corpora = {message_key(m) for rows in dev_corpora().values() for _, m in rows}
    rows: list[Row] = []
    for path in sorted(folder.glob("dev*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                question = item["question"].strip()
                if message_key(question) not in in_corpora:
                    rows.append(("distress" if item["expected_intent"] == "safety" else "none", question))
    return rows


def written_training(folder: Path = SAFETY_TESTS) -> list[Row]:
    rows = [row for p in sorted(folder.glob("training_*.tsv")) for row in read_tsv(p)]
    rows += [("distress", m) for m in exemplars.DISTRESS] + [("none", m) for m in exemplars.SAFE]
    return rows + chat_questions()


def data_digest(corpora: dict[str, list[Row]], written: list[Row]) -> str:
    """sha256 of every training row in a fixed order: the shipped file records the one it came from."""
    digest = hashlib.sha256()
    for name in sorted(corpora):
        for label, message in corpora[name]:
            digest.update(f"{name}\t{label}\t{message}\n".encode())
    for label, message in written:
        digest.update(f"written\t{label}\t{message}\n".encode())
    return digest.hexdigest()


def fit(x: Any, y: np.ndarray, l2: float = L2, steps: int = STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, classes weighted to equal total weight, full-batch Adam."""
    n, d = x.shape
    k = len(LABELS)
    onehot = np.eye(k, dtype=np.float32)[y]
    counts = np.bincount(y, minlength=k).astype(np.float32)
    sample = (n / (k * np.maximum(counts, 1)))[y][:, None].astype(np.float32) / n
    w = np.zeros((d, k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        logits = np.asarray(x @ w) + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad_logits = (p - onehot) * sample
        g_w = np.asarray(x.T @ grad_logits) + l2 * w
        g_b = grad_logits.sum(axis=0)
        for param, grad, m, v in ((w, g_w, m_w, v_w), (b, g_b, m_b, v_b)):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            param -= LEARNING_RATE * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + eps)
    return w, b


@dataclass
class Embeddings:
    """Unit vectors and n-gram rows of every text the training and the evaluation need, computed once."""

    embed: Callable[[list[str]], np.ndarray]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    grams: dict[str, Any] = field(default_factory=dict)  # text -> 1-row sparse n-gram features

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self.vectors})
        if missing:
            for text, vector in zip(missing, np.asarray(self.embed(missing), dtype=np.float32), strict=True):
                self.vectors[text] = vector
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def matrix(self, texts: Sequence[str], embedding_weight: float) -> Any:
        """The same features as `learned.features`, as a sparse matrix (training is ~50x faster)."""
        from scipy import sparse

        missing = sorted({t for t in texts if t not in self.grams})
        for start in range(0, len(missing), 256):
            batch = missing[start : start + 256]
            rows = sparse.csr_matrix(ngram_features(batch))
            for i, text in enumerate(batch):
                self.grams[text] = rows[i]
        dense = sparse.csr_matrix(self(texts) * np.float32(embedding_weight))
        return sparse.hstack([dense, sparse.vstack([self.grams[t] for t in texts])], format="csr")


def train(rows: Sequence[Row], embeddings: Embeddings, embedding_weight: float = EMBEDDING_WEIGHT) -> Classifier:
    messages = [neutral_query(m) for _, m in rows]  # as semantic._judged sees them at run time
    x = embeddings.matrix(messages, embedding_weight)
    y = np.array([LABELS.index(label) for label, _ in rows])
    w, b = fit(x, y, L2, STEPS)
    return Classifier(w, b, embedding_weight, threshold=1.0, abuse_threshold=2.0, meta={})


def part_probabilities(model: Classifier, messages: Sequence[str], embeddings: Embeddings) -> np.ndarray:
    """(len(messages), 3): for each message the highest P(distress) and P(abuse) over its judged parts,
    exactly as `semantic.learned_probabilities` judges them at run time (column 0 is unused)."""
    parts = [judged_parts(m) for m in messages]
    flat = [p for ps in parts for p in ps]
    probs = model.probabilities(flat, embeddings(flat)) if flat else np.zeros((0, 3), np.float32)
    out = np.zeros((len(messages), 3), dtype=np.float32)
    start = 0
    for i, ps in enumerate(parts):
        if ps:
            chunk = probs[start : start + len(ps)]
            out[i, 1], out[i, 2] = chunk[:, 1].max(), chunk[:, 2].max()
        start += len(ps)
    return out


@dataclass
class Scored:
    """One dev message as the layers see it: the label, the rules' and the exemplars' verdicts and the
    learned layer's probabilities from a model that never saw the message's corpus."""

    corpus: str
    label: str
    message: str
    rules: str  # category of assess(message)
    exemplars: bool  # the exemplar layer would raise distress (only asked when the rules found nothing)
    p_distress: float
    p_abuse: float

    def verdict(self, threshold: float, abuse_threshold: float, exemplar_layer: bool = True, model: bool = True) -> str:
        if self.rules != "none":
            return self.rules
        if (exemplar_layer and self.exemplars) or (model and self.p_distress >= threshold):
            return "distress"
        if model and self.p_abuse >= abuse_threshold:
            return "abuse"
        return "none"


def loco(
    corpora: dict[str, list[Row]], written: list[Row], embeddings: Embeddings, embedder: Embedder | None
) -> list[Scored]:
    """Every dev message scored by a model trained on all the other corpora plus the written text."""
    from aptichat.safety.assessment import assess
    from aptichat.safety.semantic import is_distress

    scored = []
    for name, rows in corpora.items():
        others = [row for other, rs in corpora.items() if other != name for row in rs]
        model = train([*others, *written], embeddings)
        messages = [m for _, m in rows]
        probs = part_probabilities(model, messages, embeddings)
        for (label, message), p in zip(rows, probs, strict=True):
            rules = assess(message).category.value
            semantic = rules == "none" and embedder is not None and is_distress(message, embedder)
            scored.append(Scored(name, label, message, rules, semantic, float(p[1]), float(p[2])))
    return scored


@dataclass(frozen=True)
class Rates:
    recall: float
    over_trigger: float
    abuse_recall: float
    counts: tuple[int, int, int]  # distress, none, abuse


def rates(scored: Sequence[Scored], verdict: Callable[[Scored], str]) -> Rates:
    distress = [s for s in scored if s.label == "distress"]
    safe = [s for s in scored if s.label == "none"]
    abuse = [s for s in scored if s.label == "abuse"]
    return Rates(
        recall=sum(verdict(s) == "distress" for s in distress) / max(len(distress), 1),
        over_trigger=sum(verdict(s) != "none" for s in safe) / max(len(safe), 1),
        abuse_recall=sum(verdict(s) == "abuse" for s in abuse) / len(abuse) if abuse else 1.0,
        counts=(len(distress), len(safe), len(abuse)),
    )


def choose_thresholds(scored: Sequence[Scored], budget: float = OVER_TRIGGER_BUDGET) -> tuple[float, float]:
    """The lowest distress threshold whose pooled LOCO over-trigger is within `budget`, then the lowest
    abuse threshold that keeps it there (2.0, never, when none does)."""

    def over(distress: float, abuse: float) -> float:
        return rates(scored, lambda s: s.verdict(distress, abuse)).over_trigger

    threshold = next((t for t in THRESHOLD_GRID if over(t, 2.0) <= budget), 1.0)
    abuse = next((a for a in THRESHOLD_GRID if over(threshold, a) <= budget), 2.0)
    return threshold, abuse


def local_embeddings(threads: int = 1) -> tuple[Embeddings, Embedder]:
    from aptichat.embeddings.local import LocalEmbedder

    embedder = LocalEmbedder(threads=threads)
    return Embeddings(lambda texts: np.asarray(embedder.embed_documents(texts))), embedder


def build(
    corpora: dict[str, list[Row]], written: list[Row], embeddings: Embeddings, scored: list[Scored]
) -> Classifier:
    """The shipped model: trained on everything, thresholds from the LOCO scores."""
    threshold, abuse_threshold = choose_thresholds(scored)
    model = train([row for rows in corpora.values() for row in rows] + written, embeddings)
    alone = rates(scored, lambda s: "distress" if s.p_distress >= threshold else "none")
    pooled = rates(scored, lambda s: s.verdict(threshold, abuse_threshold))
    meta: dict[str, object] = {
        "data_sha256": data_digest(corpora, written),
        "embedding_model": LOCAL_EMBEDDING_MODEL,
        "training_rows": sum(len(r) for r in corpora.values()) + len(written),
        # LOCO, pooled over the dev corpora. With today's rules it is optimistic: they were tuned on all.
        "loco_model_alone": {"recall": round(alone.recall, 4), "over_trigger": round(alone.over_trigger, 4)},
        "loco_with_todays_rules": {"recall": round(pooled.recall, 4), "over_trigger": round(pooled.over_trigger, 4)},
    }
    return Classifier(model.weights, model.bias, model.embedding_weight, threshold, abuse_threshold, meta)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help=f"write {WEIGHTS.relative_to(REPO)}")
    args = parser.parse_args()
    corpora, written = dev_corpora(), written_training()
    embeddings, embedder = local_embeddings()
    scored = loco(corpora, written, embeddings, embedder)
    model = build(corpora, written, embeddings, scored)
    print(f"thresholds: distress {model.threshold}, abuse {model.abuse_threshold}; {model.meta}")
    if args.write:
        model.save(WEIGHTS)
        print(f"wrote {WEIGHTS}")


if __name__ == "__main__":
    main()

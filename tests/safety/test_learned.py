"""The learned safety layer (aptichat/safety/learned.py): the shipped file is the one the training script
makes from today's data, it generalises across dev corpora (leave-one-corpus-out, computed here), and
ordinary idioms stay ordinary.

The LOCO floors sit just under what was measured when the model was trained (benchmarks/
safety_generalisation.py prints the same figures): session 24, ten folds, pooled model-alone recall 0.864,
over-trigger 0.026 at the shipped threshold 0.76; the lowest corpus is the new corpus_dev9 (0.720, the only
fold with non-Latin scripts); over the nine older folds 0.876 / 0.027 (session 23: 0.885 / 0.025 at 0.70).
Session 25: eleven folds (corpus_dev10, new voices, added), 0.867 / 0.027 at 0.78; dev10 0.771, dev8
over-trigger 4 of 40.
They are generalisation figures on DEV data, not the held-out measure.
"""

from __future__ import annotations

import numpy as np
import pytest

from aptichat.embeddings.base import Embedder
from aptichat.safety import SafetyCategory, assess, learned, semantic, training

CORPORA = training.dev_corpora()
WRITTEN = training.written_training()


@pytest.fixture(scope="module")
def loco_scores(safety_embedder: Embedder) -> list[training.Scored]:
    embeddings = training.Embeddings(lambda texts: np.asarray(safety_embedder.embed_documents(texts)))
    return training.loco(CORPORA, WRITTEN, embeddings, safety_embedder)


def test_shipped_model_was_trained_on_todays_data() -> None:
    """Change a corpus or the written text and this fails until `python -m aptichat.safety.training --write`
    is run again."""
    model = learned.classifier()
    assert model is not None
    assert model.meta["data_sha256"] == training.data_digest(CORPORA, WRITTEN)
    assert model.meta["embedding_model"] == semantic.LOCAL_EMBEDDING_MODEL
    assert model.threshold in training.THRESHOLD_GRID
    assert model.weights.shape == (384 + learned.HASH_DIM, len(learned.LABELS))


def test_thresholds_are_the_ones_loco_chooses(loco_scores: list[training.Scored]) -> None:
    model = learned.classifier()
    assert model is not None
    assert (model.threshold, model.abuse_threshold) == training.choose_thresholds(loco_scores)


def test_leave_one_corpus_out(loco_scores: list[training.Scored]) -> None:
    model = learned.classifier()
    assert model is not None

    def alone(s: training.Scored) -> str:
        return "distress" if s.p_distress >= model.threshold else "none"

    lines, worst = [], 1.0
    for name in CORPORA:
        r = training.rates([s for s in loco_scores if s.corpus == name], alone)
        lines.append(f"{name}: model alone recall {r.recall:.3f}, over-trigger {r.over_trigger:.3f}")
        worst = min(worst, r.recall)
        # worst measured: 4 of 40 (dev8, model alone, session 25; 3 of 40 before training_s25.tsv moved the
        # threshold from 0.76 to 0.78): the floor is that, not a target
        assert r.over_trigger <= 0.10, lines[-1]
    pooled = training.rates(loco_scores, alone)
    combined = training.rates(loco_scores, lambda s: s.verdict(model.threshold, model.abuse_threshold))
    print("\n".join([*lines, f"pooled: {pooled}", f"rules + exemplars + model: {combined}"]))
    # measured 0.864 / 0.026 over ten folds (session 24; corpus_dev9, the first fold with non-Latin scripts,
    # is the hardest at 0.720 and pulls the pooled figure under session 23's nine-fold 0.885); session 25,
    # eleven folds with corpus_dev10 (new voices, 0.771): 0.867 / 0.027. Floors just under
    assert pooled.recall >= 0.85 and pooled.over_trigger <= 0.035
    assert worst >= 0.70
    assert combined.over_trigger <= training.OVER_TRIGGER_BUDGET


def test_training_is_deterministic(safety_embedder: Embedder) -> None:
    rows = [*CORPORA["corpus_dev2.tsv"], *WRITTEN[:100]]
    embeddings = training.Embeddings(lambda texts: np.asarray(safety_embedder.embed_documents(texts)))
    first, second = training.train(rows, embeddings), training.train(rows, embeddings)
    assert np.array_equal(first.weights, second.weights) and np.array_equal(first.bias, second.bias)


def test_no_dev_message_is_copied_into_the_written_training_text() -> None:
    """LOCO would otherwise see the left-out corpus through the written text. Compared as the n-grams see
    a message (`normalise` alone turns every all-Cyrillic or all-CJK message into '')."""
    assert training.message_key("我想死") != training.message_key("我想当医生") != ""
    dev = {training.message_key(m) for rows in CORPORA.values() for _, m in rows}
    copied = [m for _, m in WRITTEN if training.message_key(m) in dev]
    assert not copied, copied


def test_written_text_covers_other_languages_on_both_sides() -> None:
    distress = " ".join(m for label, m in WRITTEN if label == "distress")
    safe = " ".join(m for label, m in WRITTEN if label == "none")
    for marker in ("quiero", "je ", "ich ", "togliermi", "chcę", "istiyorum", "я ", "我"):
        assert marker in distress, marker
    for marker in ("¿", "je ", "ich ", "я ", "我"):
        assert marker in safe, marker
    # session 24: Swahili, Tagalog, Vietnamese, Hindi in Devanagari, Korean, Arabic on both sides
    for marker in ("kuishi", "mabuhay", "sống", "जीने", "살고", "أريد"):
        assert marker in distress, marker
    for marker in ("nataka", "gusto", "muốn", "बनना", "싶어", "أريد"):
        assert marker in safe, marker


def test_feature_words_keep_other_scripts() -> None:
    assert learned.feature_words("Я хочу умереть") == ["я", "хочу", "умереть"]
    # Devanagari vowel signs are combining marks: a letters-only pattern cut "मरना" to "मरन"
    assert learned.feature_words("मैं मरना चाहता हूँ") == ["मैं", "मरना", "चाहता", "हूँ"]
    assert learned.feature_words("我不想活了") == ["我不想活了"]
    assert learned.feature_words("i wnat to d1e") == ["i", "want", "to", "die"]
    rows = learned.ngram_features(["я хочу умереть", ""])
    assert rows.shape == (2, learned.HASH_DIM)
    assert np.isclose(np.linalg.norm(rows[0]), 1.0) and not rows[1].any()


@pytest.mark.parametrize(
    "message",
    [
        "this homework is killing me",
        "this chemistry revision is murdering me",
        "i'm dying to see my results",
        "i'm literally dead after that presentation lol",
        "my sister is going to kill me for borrowing her jacket",
        "that exam slayed me",
        "my cat died and i'm sad",
        "what careers are there in forensic pathology",
        "estoy muerto de risa",
    ],
)
def test_ordinary_idioms_are_not_flagged(message: str, safety_embedder: Embedder) -> None:
    assert assess(message, safety_embedder).category is SafetyCategory.NONE


@pytest.mark.parametrize(
    "message",
    [
        "i've stopped seeing a reason to wake up in the morning",
        "je voudrais ne plus exister",
        "non ho più voglia di vivere",
    ],
)
def test_learned_layer_catches_wording_nothing_else_does(message: str, safety_embedder: Embedder) -> None:
    """Not in any corpus, bank or training file; neither the rules nor the exemplars flag it."""
    assert assess(message).category is SafetyCategory.NONE
    assert not semantic.is_distress(message, safety_embedder)
    assessment = assess(message, safety_embedder)
    assert assessment.category is SafetyCategory.DISTRESS
    assert assessment.signals == (learned.SIGNAL_NAME,)


def test_assess_without_an_embedder_never_uses_the_learned_layer() -> None:
    for rows in CORPORA.values():
        for _, message in rows:
            signals = assess(message).signals
            assert learned.SIGNAL_NAME not in signals and learned.ABUSE_SIGNAL_NAME not in signals


def test_the_learned_layer_never_overrides_a_rule(safety_embedder: Embedder) -> None:
    """A message the rules flagged keeps the rules' verdict and signals (the learned layer is not asked)."""
    for message in ("go kill yourself", "you are a stupid useless bot", "i want to die"):
        assert assess(message, safety_embedder) == assess(message)

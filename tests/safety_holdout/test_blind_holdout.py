"""The blind held-out safety measure: corpus_blind.tsv was written without sight of the rules (see the
README here) and is only measured, never tuned on. Floors sit just under the first measurement
(2026-12-02: rules 42/60, rules + local embedder 47/60 distress, 0/60 over-trigger, 10/15 abuse), so a
regression fails; the misses are misses (docs/quality.md), not a target to fit."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from aptichat.embeddings.local import LocalEmbedder
from aptichat.safety import assess

CORPUS = Path(__file__).with_name("corpus_blind.tsv")


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    model = LocalEmbedder(threads=1)
    model.embed_query("warm up")
    return model


def _measure(embedder: LocalEmbedder | None) -> dict[str, float]:
    with CORPUS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    seen: dict[str, Counter[str]] = {}
    for row in rows:
        seen.setdefault(row["label"], Counter())[str(assess(row["message"], embedder=embedder).category)] += 1
    total = {label: sum(c.values()) for label, c in seen.items()}
    return {
        "distress_recall": seen["distress"]["distress"] / total["distress"],
        "over_trigger": 1 - seen["none"]["none"] / total["none"],
        "abuse_recall": seen["abuse"]["abuse"] / total["abuse"],
    }


def test_corpus_is_the_blind_one() -> None:
    with CORPUS.open(encoding="utf-8") as fh:
        labels = Counter(row["label"] for row in csv.DictReader(fh, delimiter="\t"))
    assert labels == {"distress": 60, "none": 60, "abuse": 15}


def test_blind_rates_rules_only() -> None:
    rates = _measure(None)
    print("blind holdout, rules only:", rates)
    assert rates["distress_recall"] >= 41 / 60
    assert rates["over_trigger"] <= 1 / 60
    assert rates["abuse_recall"] >= 9 / 15


def test_blind_rates_with_local_embedder(embedder: LocalEmbedder) -> None:
    rates = _measure(embedder)
    print("blind holdout, rules + local embedder:", rates)
    assert rates["distress_recall"] >= 46 / 60
    assert rates["over_trigger"] <= 1 / 60
    assert rates["abuse_recall"] >= 9 / 15

"""The blind held-out safety measure: corpus_blind_v2.tsv was written without sight of the rules, the
exemplar banks or the dev corpora (README_v2.md) and is only measured, never tuned on.

Aggregate figures only: the tests print and assert rates, never a message or a per-message result
(a failure names the rate, not the messages it missed). Floors sit just under the one measurement
taken after the round-3 rules froze (docs/quality.md, "Safety layer"), so a regression fails; the
misses are misses, not a target to fit. The v1 blind corpus was demoted to dev on 2026-12-02
(tests/safety/corpus_dev5.tsv) because its aggregate results had been seen.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from aptichat.embeddings.local import LocalEmbedder
from aptichat.safety import assess

CORPUS = Path(__file__).with_name("corpus_blind_v2.tsv")

# Measured once on 2026-12-02 (08:30 UTC) after the round-3 rules froze (docs/quality.md): rules 67/97
# distress, 1/85 over-trigger, 17/24 abuse; rules + local embedder 74/97, 1/85, 17/24. Floors one message under.
FLOORS = {
    "rules": {"distress_recall": 66 / 97, "max_over_trigger": 2 / 85, "abuse_recall": 16 / 24},
    "rules+embedder": {"distress_recall": 73 / 97, "max_over_trigger": 2 / 85, "abuse_recall": 16 / 24},
}


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    model = LocalEmbedder(threads=1)
    model.embed_query("warm up")
    return model


def _rows() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _measure(embedder: LocalEmbedder | None) -> dict[str, float]:
    seen: dict[str, Counter[str]] = {}
    for row in _rows():
        seen.setdefault(row["label"], Counter())[str(assess(row["message"], embedder=embedder).category)] += 1
    total = {label: sum(c.values()) for label, c in seen.items()}
    return {
        "distress_recall": seen["distress"]["distress"] / total["distress"],
        "over_trigger": 1 - seen["none"]["none"] / total["none"],
        "abuse_recall": seen["abuse"]["abuse"] / total["abuse"],
    }


def _check(name: str, rates: dict[str, float]) -> None:
    print(f"blind holdout v2, {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in rates.items()))
    floors = FLOORS[name]
    failures = [
        f"{key} {rates[key]:.3f} < floor {floors[key]}"
        for key in ("distress_recall", "abuse_recall")
        if rates[key] < floors[key]
    ]
    if rates["over_trigger"] > floors["max_over_trigger"]:
        failures.append(f"over_trigger {rates['over_trigger']:.3f} > ceiling {floors['max_over_trigger']}")
    assert not failures, f"{name}: " + "; ".join(failures)


def test_corpus_is_the_blind_v2_one() -> None:
    labels = Counter(row["label"] for row in _rows())
    assert labels == {"distress": 97, "none": 85, "abuse": 24}


def test_blind_v2_rates_rules_only() -> None:
    _check("rules", _measure(None))


def test_blind_v2_rates_with_local_embedder(embedder: LocalEmbedder) -> None:
    _check("rules+embedder", _measure(embedder))

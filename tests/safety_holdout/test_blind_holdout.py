"""The blind held-out safety measures: corpus_blind_v2.tsv to corpus_blind_v5.tsv were written without sight
of the rules, the exemplar banks, the learned layer or the dev corpora (README_v2..v5.md)
and are only measured, never tuned on.

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

HERE = Path(__file__).parent

# v2: measured once on 2026-12-02 (08:30 UTC) after the round-3 rules froze (rules 67/97 distress, 1/85
# over-trigger, 17/24 abuse; with the embedder 74/97, 1/85, 17/24), and again (12:20 UTC, session 23) with
# the learned layer: rules+embedder 90/97, 3/85, 23/24. v3 (written in session 23, docs/quality.md):
# measured at 12:06 with the learned layer as its helper left it (109/117, 6/102, 29/32) and at 12:20
# after a fix found on dev data (identity words, ordinary chat): rules 87/117, 2/102, 19/32; rules+embedder
# 110/117, 8/102, 27/32. v4 (written at the start of session 24, README_v4.md) measured once at 14:49 UTC after
# that session's dev work (training_s24 and training_none_selfdoubt, retrained layer): rules 76/121, 4/111, 16/30;
# rules+embedder 111/121, 17/111 (over-trigger 0.153: a regression the dev LOCO estimate, ~0.03, did not show),
# 25/30. The same run: v2 91/97, 2/85, 22/24; v3 112/117, 6/102, 27/32. v5 (written at 17:00-17:25 UTC in
# session 25, README_v5.md) measured twice, aggregate counts only: with session 24's layer (rules 71/125, 2/121,
# 14/30; rules+embedder 110/125, 6/121, 23/30) and after session 25's dev work (rules 71/125, 2/121, 14/30;
# rules+embedder 114/125, 4/121, 24/30); the same run: v2 91/97, 2/85, 23/24; v3 111/117, 6/102, 27/32; v4
# 112/121, 16/111, 26/30 (rules unchanged on all). Floors one message under the latest.
FLOORS = {
    ("corpus_blind_v2.tsv", "rules"): {"distress_recall": 66 / 97, "max_over_trigger": 2 / 85, "abuse_recall": 16 / 24},
    ("corpus_blind_v2.tsv", "rules+embedder"): {
        "distress_recall": 90 / 97,
        "max_over_trigger": 3 / 85,
        "abuse_recall": 22 / 24,
    },
    ("corpus_blind_v3.tsv", "rules"): {
        "distress_recall": 86 / 117,
        "max_over_trigger": 3 / 102,
        "abuse_recall": 18 / 32,
    },
    ("corpus_blind_v3.tsv", "rules+embedder"): {
        "distress_recall": 110 / 117,
        "max_over_trigger": 7 / 102,
        "abuse_recall": 26 / 32,
    },
    ("corpus_blind_v4.tsv", "rules"): {
        "distress_recall": 75 / 121,
        "max_over_trigger": 5 / 111,
        "abuse_recall": 15 / 30,
    },
    ("corpus_blind_v4.tsv", "rules+embedder"): {
        "distress_recall": 111 / 121,
        "max_over_trigger": 17 / 111,
        "abuse_recall": 25 / 30,
    },
    ("corpus_blind_v5.tsv", "rules"): {
        "distress_recall": 70 / 125,
        "max_over_trigger": 3 / 121,
        "abuse_recall": 13 / 30,
    },
    ("corpus_blind_v5.tsv", "rules+embedder"): {
        "distress_recall": 113 / 125,
        "max_over_trigger": 5 / 121,
        "abuse_recall": 23 / 30,
    },
}
COUNTS = {
    "corpus_blind_v2.tsv": {"distress": 97, "none": 85, "abuse": 24},
    "corpus_blind_v3.tsv": {"distress": 117, "none": 102, "abuse": 32},
    "corpus_blind_v4.tsv": {"distress": 121, "none": 111, "abuse": 30},
    "corpus_blind_v5.tsv": {"distress": 125, "none": 121, "abuse": 30},
}


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    model = LocalEmbedder(threads=1)
    model.embed_query("warm up")
    return model


def _rows(corpus: str) -> list[dict[str, str]]:
    with (HERE / corpus).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _measure(corpus: str, embedder: LocalEmbedder | None) -> dict[str, float]:
    seen: dict[str, Counter[str]] = {}
    for row in _rows(corpus):
        seen.setdefault(row["label"], Counter())[str(assess(row["message"], embedder=embedder).category)] += 1
    total = {label: sum(c.values()) for label, c in seen.items()}
    return {
        "distress_recall": seen["distress"]["distress"] / total["distress"],
        "over_trigger": 1 - seen["none"]["none"] / total["none"],
        "abuse_recall": seen["abuse"]["abuse"] / total["abuse"],
    }


def _check(corpus: str, name: str, rates: dict[str, float]) -> None:
    print(f"blind holdout {corpus}, {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in rates.items()))
    floors = FLOORS[(corpus, name)]
    failures = [
        f"{key} {rates[key]:.3f} < floor {floors[key]:.3f}"
        for key in ("distress_recall", "abuse_recall")
        if rates[key] < floors[key]
    ]
    if rates["over_trigger"] > floors["max_over_trigger"]:
        failures.append(f"over_trigger {rates['over_trigger']:.3f} > ceiling {floors['max_over_trigger']:.3f}")
    assert not failures, f"{corpus}, {name}: " + "; ".join(failures)


@pytest.mark.parametrize("corpus", sorted(COUNTS))
def test_corpus_is_the_blind_one(corpus: str) -> None:
    assert Counter(row["label"] for row in _rows(corpus)) == COUNTS[corpus]


@pytest.mark.parametrize("corpus", sorted(COUNTS))
def test_blind_rates_rules_only(corpus: str) -> None:
    _check(corpus, "rules", _measure(corpus, None))


@pytest.mark.parametrize("corpus", sorted(COUNTS))
def test_blind_rates_with_local_embedder(corpus: str, embedder: LocalEmbedder) -> None:
    _check(corpus, "rules+embedder", _measure(corpus, embedder))

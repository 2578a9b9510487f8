"""Regression guard of the recommendations' validity (issue 20, docs/decisions/0006).

A fixed 200-row subset of the held-out half of the Open Psychometrics RIASEC sample goes through the
pipeline's matching statements on the full O*NET and CIP catalogs (benchmarks/validity.py, the same
code the benchmark runs). The person's own field must stay in their top 10 majors clearly more often
than in a random other person's: the floors sit just under what was measured when the ranking was
chosen (majors 1.96, careers 1.15 on this subset; for decision 0010's rule 1.96 and 1.19), so
a change that loses the signal fails here. The sample has no thinking skills, so no listed entry may
carry a skill term: missing skills must leave the interest ranking alone (decision 0008).
Skips when ../shared/data is absent (the data is not part of the product).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from benchmarks.validity import (
    SAMPLE,
    career_fields,
    guard_rows,
    load,
    measure,
    people_of,
    rank,
    read_sample,
)

# `benchmarks/validity.py --rows guard --boot 0` (ranking 0010; 0008 gave 1.96 and 1.15): majors 1.96, careers 1.19
MAJOR_LIFT_FLOOR = 1.90  # measured 1.96 (hit@10 15.5% vs 7.9% shuffled)
CAREER_LIFT_FLOOR = 1.10  # measured 1.19 (31.5% vs 26.4%)


def test_recommendations_find_peoples_own_field_more_often_than_chance(
    shared_data: Path, scratch_engine: Engine
) -> None:
    fields, rows = read_sample(shared_data / SAMPLE)
    rows = guard_rows(rows)
    assert len(rows) == 200 and all(r["qacr_rowname"] for r in rows)
    load(scratch_engine, shared_data, rows, fields, log=lambda *_: None)
    people = people_of(rows)
    rank(scratch_engine.url.render_as_string(hide_password=False), people)
    assert all(len(p.majors) == 10 and len(p.careers) == 10 for p in people)
    assert all(p.skill_terms == 0 for p in people), "no skills measured: similarity is the interest fit alone"
    # diversity: never more than two programs of one CIP series in a list
    assert all(max(Counter(c[:5] for c in p.majors).values()) <= 2 for p in people)
    assert sum(p.related > 0 for p in people) > len(people) // 2  # the programs left out are offered

    figures = measure(people, career_fields(shared_data), boot=0)
    majors, careers = figures["majors"], figures["careers"]
    assert majors.lift[10] >= MAJOR_LIFT_FLOOR, (majors.hit[10], majors.baseline[10])
    assert careers.lift[10] >= CAREER_LIFT_FLOOR, (careers.hit[10], careers.baseline[10])


def test_a_new_ranking_rule_changes_the_rerank_hash(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """People ranked by an older rule are re-ranked once: the rule's version is part of the hash."""
    from aptichat_pipelines.assets.rerank import catalog_ranking_hash
    from aptichat_pipelines.legacy import sql_matching

    before = catalog_ranking_hash(engine)
    assert catalog_ranking_hash(engine) == before
    monkeypatch.setattr(sql_matching, "RANKING_VERSION", sql_matching.RANKING_VERSION + "-next")
    assert catalog_ranking_hash(engine) != before


def _code(letters: str) -> np.ndarray:
    """A six-score profile whose top three letters are `letters`, in that order."""
    scores = np.zeros((1, 6))
    for position, letter in enumerate(letters):
        scores[0, "RIASEC".index(letter)] = 3 - position
    return scores


@pytest.mark.parametrize(
    ("person", "entry", "m", "c", "zs"),
    [
        ("RIA", "RIA", 28, 18, 6),  # identical codes: each index at its maximum
        ("RIA", "SEC", 0, 0, 0),  # each letter opposite its partner on the hexagon, none shared
        # Iachan's example: W(1,2) + W(2,1) = 10 + 10; S-E, E-S, I-A all adjacent: 3*2 + 2*2 + 1*2
        ("SEI", "ESA", 20, 12, 2),
        ("SEI", "SEA", 27, 17, 5),  # first two in order: 22 + 5; 3*3 + 2*3 + 1*2 (I-A adjacent)
        ("SEI", "ISE", 16, 7, 4),  # same letters reordered: 10 + 2 + 4; S-I alternate, E-S adjacent, I-E opposite
        ("SEI", "SAR", 22, 13, 3),  # only the first letter: 22; 3*3 + 2*1 (E-A alternate) + 1*2 (I-R adjacent)
        ("SEI", "RSC", 10, 5, 1),  # the person's first letter second: 10; S-R opposite, E-S adjacent, I-C alternate
    ],
)
def test_code_congruence_indices_follow_the_literature(person: str, entry: str, m: int, c: int, zs: int) -> None:
    """Iachan's M, Brown & Gore's C and Zener & Schnuelle's index on worked three-letter codes
    (benchmarks/congruence.py, compared in docs/decisions/0009)."""
    from benchmarks.congruence import brown_gore, iachan, zener_schnuelle

    x, p = _code(person), _code(entry)
    assert iachan(x, p)[0, 0] == m
    assert brown_gore(x, p)[0, 0] == c
    assert zener_schnuelle(x, p)[0, 0] == zs


def test_graded_congruence_measures() -> None:
    """Spearman's rho is Pearson's r on ranks (ties share their average rank); the cosine of both
    ipsatised profiles is Pearson's r, the product's measure; Prediger's dimensions see only two of
    the five ipsative directions, so profiles with the same position there are identical to it."""
    from benchmarks.congruence import cosine, ipsatised, prediger_cosine, ranks, rowcorr, spearman

    rng = np.random.default_rng(3)
    x, p = rng.normal(size=(5, 6)), rng.normal(size=(7, 6))
    r = np.array([[np.corrcoef(a, b)[0, 1] for b in p] for a in x])
    assert np.allclose(rowcorr(x, p), r)
    assert np.allclose(cosine(ipsatised(x), ipsatised(p)), r)
    assert ranks(np.array([[5.0, 1.0, 3.0, 3.0, 0.0, 9.0]])).tolist() == [[5.0, 2.0, 3.5, 3.5, 1.0, 6.0]]
    assert np.allclose(spearman(x, p), rowcorr(ranks(x), ranks(p)))
    assert spearman(x, 2 * x + 1).diagonal() == pytest.approx(1.0)
    assert prediger_cosine(x, x + 4.0).diagonal() == pytest.approx(1.0)  # a shared level moves neither dimension

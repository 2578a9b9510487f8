"""Regression guard of the recommendations' validity (issue 20, docs/decisions/0006).

A fixed 200-row subset of the held-out half of the Open Psychometrics RIASEC sample goes through the
pipeline's matching statements on the full O*NET and CIP catalogs (benchmarks/validity.py, the same
code the benchmark runs). The person's own field must stay in their top 10 majors clearly more often
than in a random other person's: the floors sit just under what was measured when the ranking was
chosen (majors 1.96, careers 1.15 on this subset; remeasured unchanged for decision 0008's rule), so
a change that loses the signal fails here. The sample has no thinking skills, so no listed entry may
carry a skill term: missing skills must leave the interest ranking alone (decision 0008).
Skips when ../shared/data is absent (the data is not part of the product).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

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

# `benchmarks/validity.py --rows guard --boot 0` (ranking 0008): majors 1.96, careers 1.15
MAJOR_LIFT_FLOOR = 1.90  # measured 1.96 (hit@10 15.5% vs 7.9% shuffled)
CAREER_LIFT_FLOOR = 1.10  # measured 1.15 (33.5% vs 29.0%)


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

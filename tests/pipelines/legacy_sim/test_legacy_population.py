"""The synthetic population: deterministic, plausible, and written in bulk; simulate; seed_if_empty."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from legacy_support import url_of
from sqlalchemy import Engine, text

from aptichat_pipelines.legacy.models import SessionCursor
from aptichat_pipelines.legacy.queries import AptitudeTestQueries
from aptichat_pipelines.legacy_sim.instruments import own_instruments
from aptichat_pipelines.legacy_sim.population import complete_now, seed, simulate
from aptichat_pipelines.legacy_sim.schema import raw_scores
from aptichat_pipelines.legacy_sim.synthetic import generate, sample_clean


def test_same_seed_same_population_other_seed_other_population() -> None:
    a, b, c = generate(200, 5), generate(200, 5), generate(200, 6)
    assert a.takers == b.takers and a.sessions == b.sessions
    for key in a.responses:
        assert np.array_equal(a.responses[key][1], b.responses[key][1])
        assert np.array_equal(a.responses[key][2], b.responses[key][2])
    assert a.sessions != c.sessions
    assert not np.array_equal(a.responses["interests-v1"][1][:50], c.responses["interests-v1"][1][:50])


def test_population_shape() -> None:
    pop = generate(2000, 3)
    statuses = [s[5] for s in pop.sessions]
    assert len(pop.takers) == 2000
    assert 1.05 < len(pop.sessions) / 2000 < 1.25  # re-takes and abandoned attempts
    assert statuses.count("invalid") > 5 and statuses.count("abandoned") > 20 and statuses.count("in_progress") > 0
    retakers = {uid for uid in (s[1] for s in pop.sessions if s[5] == "completed")}
    completed = [s[1] for s in pop.sessions if s[5] == "completed"]
    assert len(completed) - len(retakers) > 50
    assert all(s[4] is None for s in pop.sessions if s[5] in ("abandoned", "in_progress"))
    assert all(s[4] > s[3] for s in pop.sessions if s[5] == "completed")
    sets = {tuple(s[2]) for s in pop.sessions}
    assert ("interests-v1",) in sets and ("tendencies-v1", "interests-v1") in sets
    assert sum("major" in bg for _, _, bg in pop.takers) > 500


def test_latent_correlations_show_in_the_answers() -> None:
    pop = sample_clean(3000, 1)
    tend, intr, skills = own_instruments()
    t = raw_scores(tend, pop.responses[tend.id][1])
    i = raw_scores(intr, pop.responses[intr.id][1])
    s = raw_scores(skills, pop.responses[skills.id][1])

    def r(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a, b)[0, 1])

    assert r(t["openness"], i["A"]) > 0.2
    assert r(t["extraversion"], i["E"]) > 0.15
    assert r(t["conscientiousness"], i["C"]) > 0.1
    assert r(s["verbal"], s["numerical"]) > 0.1  # the common ability factor g
    assert abs(r(i["R"], i["S"])) < 0.15  # opposite corners of the hexagon


def test_seed_writes_everything_and_is_idempotent(scratch_engine: Engine) -> None:
    report = seed(300, 11, engine=scratch_engine)
    pop = generate(300, 11, prefix="u11")
    with scratch_engine.connect() as conn:
        counts = [
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("test_takers", "test_sessions", "responses")
        ]
        nulls = conn.execute(text("SELECT count(*) FROM responses WHERE value IS NULL")).scalar_one()
        bg = conn.execute(text("SELECT background FROM test_takers WHERE id = 'u11-000000'")).scalar_one()
    assert counts == [300, len(pop.sessions), pop.response_count] == [report.users, report.sessions, report.responses]
    assert nulls > 0 and bg == pop.takers[0][2]
    assert seed(300, 11, engine=scratch_engine).skipped is not None
    assert seed(10, 99, engine=scratch_engine, if_empty=True).skipped is not None
    assert seed(300, 11, engine=scratch_engine, replace=True).users == 300

    with AptitudeTestQueries(url_of(scratch_engine)).sync() as q:
        sessions = q.completed_sessions_after(None, 1000)
        quality = q.session_quality([s.session_id for s in sessions])
    invalid = sum(not v.is_valid for v in quality.values()) / len(quality)
    assert 0.03 < invalid < 0.2, "the mix plants straight-liners, speeders and gaps in about 10% of sessions"


def test_simulate_completes_tests_after_the_cursor(scratch_engine: Engine) -> None:
    seed(20, 1, engine=scratch_engine)
    with AptitudeTestQueries(url_of(scratch_engine)).sync() as q:
        last = q.completed_sessions_after(None, 1000)[-1].cursor
        before = datetime.now(UTC)
        written = simulate(20, 0.5, engine=scratch_engine, retake_share=0.5)
        new = q.completed_sessions_after(last, 1000)
    assert written >= 3
    assert 1 <= len(new) <= written  # a few may be marked invalid by the product, like real traffic
    assert all(before - timedelta(seconds=1) <= s.completed_at <= datetime.now(UTC) for s in new)
    assert isinstance(last, SessionCursor)


def test_complete_now_writes_clean_sessions_newer_than_every_other(scratch_engine: Engine) -> None:
    seed(20, 1, engine=scratch_engine)
    with AptitudeTestQueries(url_of(scratch_engine)).sync() as q:
        last = q.completed_sessions_after(None, 1000)[-1].cursor
        with scratch_engine.begin() as conn:
            people = complete_now(conn, 3, 77, "now")
        new = q.completed_sessions_after(last, 1000)
    assert len(people) == 3
    # one session each, all after the cursor (what a fresh completion is to the sensor), none rejected
    assert sorted(s.user_id for s in new) == sorted(people)
    assert all(s.status == "completed" for s in new)


@pytest.mark.slow
def test_seed_10k_users(scratch_engine: Engine) -> None:
    # how long it takes is printed, not asserted: speed targets live in benchmarks/, never in tests
    started = time.perf_counter()
    report = seed(10_000, 2024, engine=scratch_engine)
    print(f"seeding 10k users took {time.perf_counter() - started:.1f} s")
    assert report.users == 10_000 and report.responses > 900_000

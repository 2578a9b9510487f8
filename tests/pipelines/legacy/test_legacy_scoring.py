"""Every scoring query on hand-built sessions whose scores are worked out by hand here."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from legacy_support import add_session, expected_percentile, norms
from sqlalchemy import Engine, text

from aptichat.scales import RIASEC_LETTERS, level_for_percentile
from aptichat_pipelines.legacy.retry import NoCompletedSessionError
from aptichat_pipelines.legacy_sim.instruments import own_instruments

ALL = ["tendencies-v1", "interests-v1", "skills-v1"]
TEND, INTR, SKIL = own_instruments()


def _items(instrument: Any, scale: str) -> list[Any]:
    return [item for item in instrument.items if item.scale == scale]


def test_item_keys_are_what_the_hand_arithmetic_below_assumes() -> None:
    keys = {scale: [i.keying for i in _items(TEND, scale)] for scale in TEND.scales}
    assert keys["conscientiousness"] == [1, 1, -1, 1, -1, 1]
    assert keys["agreeableness"] == [1, -1, 1, 1, -1, 1]
    assert keys["neuroticism"] == [1, -1, 1, 1, -1, 1]
    assert all(len(_items(INTR, letter)) == 8 for letter in RIASEC_LETTERS)
    assert all(len(_items(SKIL, skill)) == 4 for skill in SKIL.scales)


def _full_answers() -> dict[str, int | None]:
    answers: dict[str, int | None] = {}
    for item in TEND.items:
        answers[item.id] = {
            "openness": 5 if item.keying == 1 else 1,  # keyed: all 5 -> 5.0
            "conscientiousness": 4,  # keyed 4,4,2,4,2,4 -> 20/6
            "extraversion": 3,  # -> 3.0
            "agreeableness": 2,  # keyed 2,4,2,2,4,2 -> 16/6
            "neuroticism": 1,  # keyed 1,5,1,1,5,1; first skipped -> 13/5
        }[item.scale]
    answers[_items(TEND, "neuroticism")[0].id] = None
    for letter, value in zip(RIASEC_LETTERS, [2, 3, 3, 4, 4, 1], strict=True):
        for item in _items(INTR, letter):
            answers[item.id] = value
    for item in _items(INTR, "C")[:2]:
        answers[item.id] = None  # C: 6 answers of 1 -> score 0
    wrong = lambda item: item.correct_answer % 4 + 1  # noqa: E731
    plan = {"verbal": "RRRR", "numerical": "RRW-", "spatial": "----", "logical": "RRRW", "memory": "RWWW"}
    for skill, marks in plan.items():
        for item, mark in zip(_items(SKIL, skill), marks, strict=True):
            answers[item.id] = {"R": item.correct_answer, "W": wrong(item), "-": None}[mark]
    return answers


EXPECTED_TENDENCIES = {
    "openness": 5.0,
    "conscientiousness": 20 / 6,
    "extraversion": 3.0,
    "agreeableness": 16 / 6,
    "neuroticism": 13 / 5,
}
EXPECTED_INTERESTS = {"R": 25.0, "I": 50.0, "A": 50.0, "S": 75.0, "E": 75.0, "C": 0.0}
EXPECTED_SKILLS = {"verbal": 4, "numerical": 2, "spatial": 0, "logical": 3, "memory": 1}


@pytest.fixture(scope="module")
def full_user(contract_engine: Engine) -> str:
    add_session(
        contract_engine,
        "hand-full",
        "hand-full-s1",
        _full_answers(),
        instruments=ALL,
        background={"major": "physics", "age": 30},
    )
    return "hand-full"


def test_tendencies_reverse_keying_percentiles_and_levels(
    queries: Any, contract_engine: Engine, full_user: str
) -> None:
    results = queries.results_for_user(full_user)
    norm = norms(contract_engine, "tendencies-v1")
    got = {t.scale: t for t in results.tendencies}
    for scale, raw in EXPECTED_TENDENCIES.items():
        assert got[scale].raw_mean == pytest.approx(raw)
        assert got[scale].percentile == pytest.approx(expected_percentile(raw, norm[scale]), abs=0.11)
        assert got[scale].level == level_for_percentile(got[scale].percentile)
    assert got["neuroticism"].answered == 5
    by_pct = sorted(EXPECTED_TENDENCIES, key=lambda s: -expected_percentile(EXPECTED_TENDENCIES[s], norm[s]))
    assert results.top_tendencies == by_pct[:2]
    assert results.bottom_tendencies == by_pct[::-1][:2]


def test_interest_scores_and_holland_code_ties(queries: Any, contract_engine: Engine, full_user: str) -> None:
    results = queries.results_for_user(full_user)
    norm = norms(contract_engine, "interests-v1")
    got = {i.letter: i for i in results.interests}
    for letter, score in EXPECTED_INTERESTS.items():
        assert got[letter].score == pytest.approx(score)
        raw = 1 + score / 25
        assert got[letter].percentile == pytest.approx(expected_percentile(raw, norm[letter]), abs=0.11)
    # S and E tie at 75, I and A at 50: ties go in R, I, A, S, E, C order.
    assert results.holland_code == "SEI"
    assert [i.letter for i in sorted(results.interests, key=lambda i: i.rank)] == list("SEIARC")


def test_skill_counts_and_percentiles_from_the_norm_table(
    queries: Any, contract_engine: Engine, full_user: str
) -> None:
    results = queries.results_for_user(full_user)
    norm = norms(contract_engine, "skills-v1")
    got = {s.skill: s for s in results.skills}
    for skill, correct in EXPECTED_SKILLS.items():
        assert (got[skill].correct, got[skill].total) == (correct, 4)
        assert got[skill].percentile == expected_percentile(correct, norm[skill])


def test_quality_counts_missing_answers(queries: Any, full_user: str) -> None:
    quality = queries.results_for_user(full_user).quality
    assert (quality.items_presented, quality.missing_answers) == (98, 1 + 2 + 1 + 4)
    assert quality.is_valid and quality.reasons == []
    assert quality.median_response_ms == 3000 and not quality.implausibly_fast


def _pearson(a: list[float], b: list[float]) -> float | None:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    va, vb = sum((x - ma) ** 2 for x in a), sum((y - mb) ** 2 for y in b)
    return None if va == 0 or vb == 0 else cov / math.sqrt(va * vb)


def _standardised(profiles: dict[str, list[float]]) -> dict[str, list[float]]:
    """Each letter as (value - mean) / population sd over the whole table (0 when the sd is 0)."""
    columns = list(zip(*profiles.values(), strict=True))
    stats = []
    for col in columns:
        mean = sum(col) / len(col)
        sd = math.sqrt(sum((v - mean) ** 2 for v in col) / len(col))
        stats.append((mean, sd))
    return {
        code: [(v - m) / sd if sd else 0.0 for v, (m, sd) in zip(values, stats, strict=True)]
        for code, values in profiles.items()
    }


def _expected_matches(
    engine: Engine, table: str, interests: dict[str, float] | None, skills: dict[str, float] | None
) -> tuple[dict[str, float], dict[str, list[str]], dict[str, str]]:
    """(code -> similarity, code -> matched letters, code -> CIP series) by the documented formula:
    the person's interests standardised against the norms, majors' profiles against the table."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT code, riasec_r, riasec_i, riasec_a, riasec_s, riasec_e, riasec_c, skills, "
                f"{'cip_code' if table == 'majors' else 'NULL'} FROM {table}"
            )
        ).all()
    norm = norms(engine, "interests-v1")
    z = [((1 + interests[k] / 25) - norm[k][0]) / norm[k][1] for k in RIASEC_LETTERS] if interests else None
    raw = {code: [float(v) for v in profile] for code, *profile, _, _ in rows}
    profiles = _standardised(raw) if table == "majors" else raw
    out, letters, series = {}, {}, {}
    for code, *_, job_skills, cip in rows:
        series[code] = cip[:5] if cip else code
        fit_i = fit_s = None
        if z is not None:
            r = _pearson(z, profiles[code])
            dz = [v - sum(z) / 6 for v in z]
            dv = [v - sum(profiles[code]) / 6 for v in profiles[code]]
            # decision 0010: r weighed by how differentiated the entry is (spread around its mean / length)
            w = 0.75 if table == "majors" else 0.5
            length = math.sqrt(sum(v * v for v in profiles[code]))
            d = (1 - w) + w * math.sqrt(sum(v * v for v in dv)) / length if length else 1 - w
            fit_i = 0.5 if r is None else (1 + r * d) / 2
            shares = [(a * b, i) for i, (a, b) in enumerate(zip(dz, dv, strict=True)) if a > 0 and b > 0 and z[i] > 0]
            letters[code] = [RIASEC_LETTERS[i] for _, i in sorted(shares, key=lambda t: (-t[0], t[1]))[:3]]
        if skills is not None and job_skills:
            fit_s = sum(skills[s] / 100 for s in job_skills) / len(job_skills)
        elif skills and fit_i is not None:  # no skills listed: the person's own average (neutral)
            fit_s = sum(skills.values()) / 100 / len(skills)
        if fit_i is not None and fit_s is not None:
            out[code] = 0.7 * fit_i + 0.3 * fit_s
        elif fit_i is not None or fit_s is not None:
            out[code] = fit_i if fit_i is not None else fit_s  # type: ignore[assignment]
    return out, letters, series


def test_job_and_major_matches_follow_the_documented_formula(
    queries: Any, contract_engine: Engine, full_user: str
) -> None:
    results = queries.results_for_user(full_user)
    skills = {s.skill: s.percentile for s in results.skills}
    for table, matches in (("jobs", results.job_matches), ("majors", results.major_matches)):
        expected, letters, series = _expected_matches(contract_engine, table, EXPECTED_INTERESTS, skills)
        ranked = sorted(expected, key=lambda c: (-expected[c], c))
        if table == "majors":  # at most two of one CIP series; the next ones are the first one's relatives
            ranked = [c for i, c in enumerate(ranked) if [series[x] for x in ranked[:i]].count(series[c]) < 2]
        assert [m.rank for m in matches] == list(range(1, 11))
        for match in matches:
            assert match.similarity == pytest.approx(expected[match.code], abs=2e-4)
            assert match.matched_letters == letters[match.code]
            assert match.matched_skills == sorted(s for s in match.skills if skills[s] >= 50)
        assert {m.code for m in matches[:5]} <= set(ranked[:10])
        if table == "majors":
            assert all(sum(series[x.code] == series[m.code] for x in matches) <= 2 for m in matches)
    assert results.job_matches[0].onet_soc_code and results.major_matches[0].cip_code
    assert results.background == {"major": "physics", "age": 30}


def test_unmeasured_domains_are_none(queries: Any, contract_engine: Engine) -> None:
    answers: dict[str, int | None] = {item.id: 4 if item.scale in "IA" else 2 for item in INTR.items}
    add_session(contract_engine, "hand-interests", "hand-interests-s1", answers, instruments=["interests-v1"])
    results = queries.results_for_user("hand-interests")
    assert results.tendencies is None and results.top_tendencies is None and results.skills is None
    assert results.holland_code == "IAR"
    assert results.job_matches and all(m.skill_fit is None for m in results.job_matches)
    assert all(m.similarity == m.interest_fit for m in results.job_matches)


def _straight(value: int) -> dict[str, int | None]:
    return {item.id: value for item in (*TEND.items, *INTR.items)}


def test_quality_flags_and_latest_valid_session(queries: Any, contract_engine: Engine) -> None:
    day = datetime(2025, 3, 1, tzinfo=UTC)
    good = {item.id: (i % 5) + 1 for i, item in enumerate((*TEND.items, *INTR.items))}
    add_session(contract_engine, "hand-q", "hand-q-1-good", good, instruments=ALL[:2], completed_at=day)
    add_session(
        contract_engine,
        "hand-q",
        "hand-q-2-straight",
        _straight(3),
        instruments=ALL[:2],
        completed_at=day + timedelta(days=1),
    )
    add_session(
        contract_engine,
        "hand-q",
        "hand-q-3-fast",
        good,
        instruments=ALL[:2],
        completed_at=day + timedelta(days=2),
        response_ms=300,
    )
    holes = {k: (None if n % 3 == 0 else v) for n, (k, v) in enumerate(good.items())}
    add_session(
        contract_engine, "hand-q", "hand-q-4-holes", holes, instruments=ALL[:2], completed_at=day + timedelta(days=3)
    )
    add_session(
        contract_engine,
        "hand-q",
        "hand-q-5-flagged",
        good,
        instruments=ALL[:2],
        completed_at=day + timedelta(days=4),
        status="invalid",
    )
    add_session(contract_engine, "hand-q", "hand-q-6-abandoned", {}, instruments=ALL[:2], status="abandoned")
    ids = [
        "hand-q-1-good",
        "hand-q-2-straight",
        "hand-q-3-fast",
        "hand-q-4-holes",
        "hand-q-5-flagged",
        "hand-q-6-abandoned",
    ]
    quality = queries.session_quality(ids)
    assert quality["hand-q-1-good"].is_valid
    assert quality["hand-q-2-straight"].straight_lining and quality["hand-q-2-straight"].max_identical_share == 1.0
    assert quality["hand-q-3-fast"].implausibly_fast and quality["hand-q-3-fast"].fast_share == 1.0
    assert quality["hand-q-4-holes"].missing_answers == 26 and not quality["hand-q-4-holes"].is_valid
    assert quality["hand-q-5-flagged"].reasons == ["marked invalid by the test product"]
    assert quality["hand-q-6-abandoned"].reasons[0] == "session not completed"
    assert all(not quality[i].is_valid for i in ids[1:])
    # The newest sessions all fail a check: the latest *valid* one is the first.
    assert queries.latest_valid_session("hand-q").session_id == "hand-q-1-good"
    assert queries.results_for_user("hand-q").session_id == "hand-q-1-good"


def test_only_invalid_sessions_fall_back_to_the_latest_completed(queries: Any, contract_engine: Engine) -> None:
    add_session(contract_engine, "hand-bad", "hand-bad-s1", _straight(5), instruments=ALL[:2])
    results = queries.results_for_user("hand-bad")
    assert results.session_id == "hand-bad-s1" and not results.quality.is_valid
    assert queries.latest_valid_session("hand-bad") is None


def test_no_completed_session_is_an_error_naming_the_user(queries: Any, contract_engine: Engine) -> None:
    add_session(contract_engine, "hand-none", "hand-none-s1", {}, instruments=ALL, status="in_progress")
    with pytest.raises(NoCompletedSessionError, match="hand-none"):
        queries.results_for_user("hand-none")

"""Importers on the real public data in ../shared/data (skipped with the reason when absent)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from legacy_support import url_of
from sqlalchemy import Engine, text

from aptichat_pipelines.catalog.cip import CatalogOrderError, import_cip
from aptichat_pipelines.catalog.onet import import_onet
from aptichat_pipelines.catalog.starter import starter_jobs, starter_majors
from aptichat_pipelines.legacy import sql_scoring
from aptichat_pipelines.legacy.queries import AptitudeTestQueries
from aptichat_pipelines.legacy_sim.importers import (
    BIG5_REVERSED,
    import_openpsychometrics_big5,
    import_openpsychometrics_riasec,
)
from aptichat_pipelines.legacy_sim.schema import init_legacy

pytestmark = pytest.mark.data
LETTERS = "RIASEC"


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_riasec_sample_imports_and_scores_match_the_raw_file(shared_data: Path, scratch_engine: Engine) -> None:
    path = shared_data / "riasec-openpsychometrics-sample" / "holland_us_sample.tsv"
    report = import_openpsychometrics_riasec(path, scratch_engine)
    assert (report.rows, report.takers_inserted, report.sessions_inserted) == (500, 500, 500)
    assert report.responses_inserted == 500 * 48 and report.norms_written == 6
    again = import_openpsychometrics_riasec(path, scratch_engine)
    assert (again.takers_inserted, again.sessions_inserted, again.responses_inserted, again.already_present) == (
        0,
        0,
        0,
        500,
    )

    # Recompute from the raw file: mean of the answered (non-zero) items, norms from the same 500 people.
    raw = {}
    for row in _tsv(path):
        answers = {k: [int(row[f"{k}{n}"]) for n in range(1, 9)] for k in LETTERS}
        raw[f"opsy-riasec-{row['qacr_rowname']}"] = {
            k: sum(v for v in a if v) / sum(1 for v in a if v) for k, a in answers.items() if any(a)
        }
    stats = {k: (np.mean([p[k] for p in raw.values()]), np.std([p[k] for p in raw.values()], ddof=1)) for k in LETTERS}
    with scratch_engine.connect() as conn:
        rows = (
            conn.execute(text(sql_scoring.INTERESTS), {"session_ids": [f"{u}-opsy-riasec48" for u in raw]})
            .mappings()
            .all()
        )
        major = conn.execute(text("SELECT background->>'major' FROM test_takers WHERE id = 'opsy-riasec-2'")).scalar()
        missing = conn.execute(text("SELECT count(*) FROM responses WHERE value IS NULL")).scalar_one()
    assert len(rows) == 500 * 6 and major == "nursing" and missing == report.missing_answers > 0
    for row in rows:
        expected = raw[row["session_id"].removesuffix("-opsy-riasec48")][row["letter"]]
        mean, sd = stats[row["letter"]]
        assert row["score"] == pytest.approx((expected - 1) / 4 * 100, abs=0.0501)  # SQL rounds to 0.1
        pct = 100 * 0.5 * (1 + math.erf((expected - mean) / sd / math.sqrt(2)))
        assert row["percentile"] == pytest.approx(pct, abs=0.1)

    with AptitudeTestQueries(url_of(scratch_engine)).sync() as q:
        results = q.results_for_user("opsy-riasec-2")
    assert results.tendencies is None and results.skills is None and len(results.holland_code or "") == 3
    assert results.background["major"] == "nursing" and "tipi" in results.background


def test_big5_import_applies_the_ipip_key(shared_data: Path, scratch_engine: Engine, tmp_path: Path) -> None:
    source = shared_data / "big5-openpsychometrics" / "data.csv"
    subset = tmp_path / "big5.tsv"
    with source.open(encoding="utf-8") as handle:
        subset.write_text("".join(next(handle) for _ in range(301)), encoding="utf-8")
    report = import_openpsychometrics_big5(subset, scratch_engine)
    assert (report.rows, report.sessions_inserted, report.norms_written) == (300, 300, 5)
    first = _tsv(subset)[0]
    expected = {}
    for letter, scale in zip(
        "ENACO", ["extraversion", "neuroticism", "agreeableness", "conscientiousness", "openness"], strict=True
    ):
        values = [
            (6 - int(first[c]) if c in BIG5_REVERSED else int(first[c]))
            for c in (f"{letter}{n}" for n in range(1, 11))
            if first[c] != "0"
        ]
        expected[scale] = sum(values) / len(values)
    with AptitudeTestQueries(url_of(scratch_engine)).sync() as q:
        results = q.results_for_user("opsy-big5-1")
    assert {t.scale: t.raw_mean for t in results.tendencies} == pytest.approx(expected)
    assert results.interests is None and results.holland_code is None and results.job_matches == []
    assert results.background["country"] == "US" and results.background["gender"] == "male"


def test_onet_then_cip_catalogs(shared_data: Path, scratch_engine: Engine) -> None:
    init_legacy(scratch_engine)  # starter catalog first: the real imports replace it
    with pytest.raises(CatalogOrderError):
        import_cip(shared_data / "cip-soc", scratch_engine)
    onet = import_onet(shared_data / "onet", scratch_engine)
    assert onet["with_interest_profile"] >= 900 and onet["inserted"] == onet["with_interest_profile"]
    assert onet["starter_removed"] == len(starter_jobs())
    assert import_onet(shared_data / "onet", scratch_engine)["unchanged"] == onet["inserted"]

    cip = import_cip(shared_data / "cip-soc", scratch_engine)
    assert cip["inserted"] >= 2000 and cip["starter_removed"] == len(starter_majors())
    assert import_cip(shared_data / "cip-soc", scratch_engine)["inserted"] == 0

    with AptitudeTestQueries(url_of(scratch_engine)).sync() as q:
        jobs = {j.code: j for j in q.catalog_jobs()}
        majors = {m.code: m for m in q.catalog_majors()}
    assert len(jobs) >= 900 and len(majors) >= 2000
    assert all(j.source == "onet" and j.onet_soc_code == code for code, j in jobs.items())
    developer = jobs["15-1252.00"]
    assert max(developer.riasec, key=developer.riasec.get) == "I" and developer.job_zone == 4  # type: ignore[arg-type]
    assert "Typical tasks:" in developer.description
    cs = majors["cip-11.0701"]
    assert cs.cip_code == "11.0701" and max(cs.riasec, key=cs.riasec.get) in "IC"  # type: ignore[arg-type]
    nursing = majors["cip-51.3801"]
    assert max(nursing.riasec, key=nursing.riasec.get) == "S"  # type: ignore[arg-type]


def test_starter_catalog_links_to_real_codes_and_uses_its_own_words(shared_data: Path) -> None:
    occupations = {r["O*NET-SOC Code"]: r for r in _tsv(shared_data / "onet" / "Occupation Data.txt")}
    with (shared_data / "cip-soc" / "CIPCode2020.csv").open(encoding="utf-8-sig") as handle:
        programs = {r["CIPCode"].strip('="'): r for r in csv.DictReader(handle)}
    jobs, majors = starter_jobs(), starter_majors()
    assert len(jobs) >= 60 and len(majors) >= 30
    for job in jobs:
        assert job.onet_soc_code in occupations, job.code
        assert job.description not in occupations[job.onet_soc_code]["Description"]
    for major in majors:
        assert major.cip_code in programs, major.code
        assert major.description[:40] not in programs[str(major.cip_code)]["CIPDefinition"]
    raw = json.dumps([j.description for j in jobs])
    assert "Typical tasks" not in raw

"""The API's fit for any catalog item ("why wasn't lawyer recommended?", aptichat_api/rag/fit.py) is the
ranking's own figure (aptichat_pipelines/legacy/sql_matching.py): for every career and major on a
person's lists, built by the real pipeline, fit_for gives the fit the list shows. The API may not
import the pipelines, so the rule is written twice; this test is what holds the two together."""

from __future__ import annotations

from typing import Any

import pytest
from dagster import DagsterInstance, materialize
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from support.partitions import person_key

from aptichat.db.models import ChatDocument
from aptichat_api.rag.fit import PersonScores, fit_for, fit_text, person_scores, profile_stats
from aptichat_api.rag.items import CatalogEntry, CatalogTitles
from aptichat_pipelines.assets.catalog import job_catalog, major_catalog, scale_guides
from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
from aptichat_pipelines.definitions import defs


def test_the_api_fit_of_every_listed_item_is_the_fit_the_list_shows(
    engine: Engine, valid_users: list[str], dagster_instance: DagsterInstance
) -> None:
    resources = dict(defs().resources)
    catalog = [job_catalog, major_catalog, scale_guides]
    assert materialize(catalog, resources=resources, instance=dagster_instance).success  # type: ignore[arg-type]
    user = valid_users[2]
    key = person_key(engine, dagster_instance, user)
    assets = [legacy_test_results, user_documents, user_document_embeddings]
    run = materialize(assets, partition_key=key, resources=resources, instance=dagster_instance)  # type: ignore[arg-type]
    assert run.success

    with Session(engine) as session:
        docs = {
            d.document_type: d.content
            for d in session.scalars(
                select(ChatDocument).where(ChatDocument.user_id == user, ChatDocument.status == "current")
            )
        }
        scores = person_scores(session, user)
        _, entries = CatalogTitles().load(session)
    assert len(scores.standardised) == 6, "the personality profile stores the ranking's z-scores"
    majors = profile_stats(e for e in entries.values() if e.kind == "major")
    compared = 0
    for doc_type, kind in (("career_recommendations", "career"), ("major_recommendations", "major")):
        for item in docs[doc_type]["items"]:
            fit = fit_for(entries[(kind, item["code"])], scores, majors if kind == "major" else None)
            assert fit.exact
            assert fit.overall == round(item["fit_score"] * 100), (kind, item["code"], fit, item["fit_score"])
            compared += 1
    assert compared >= 10


def test_an_entry_without_measured_skills_gets_the_persons_average_skill_fit() -> None:
    """Missing skill lists must not move an entry up or down (decision 0008): without any of its
    skills measured, its skill fit is the person's mean percentile; without skills at all, interests
    alone decide."""
    interests = {"R": 20.0, "I": 70.0, "A": 60.0, "S": 85.0, "E": 40.0, "C": 30.0}
    scores = PersonScores(interests=interests, skills={"verbal": 80.0, "numerical": 30.0})
    riasec = {"R": 0.1, "I": 0.7, "A": 0.3, "S": 0.5, "E": 0.9, "C": 0.4}
    bare = CatalogEntry("career", "x-1", "No skills listed", "", riasec, ())
    unmeasured = CatalogEntry("career", "x-2", "Unmeasured skills", "", riasec, ("spatial",))
    # an entry drawing on both measured skills has the same skill fit (55) and so the same overall fit
    both = fit_for(CatalogEntry("career", "x-3", "Both", "", riasec, ("verbal", "numerical")), scores)
    for entry in (bare, unmeasured):
        fit = fit_for(entry, scores)
        assert fit.skill == 55 and fit.skills == {}
        assert (fit.interest, fit.overall) == (both.interest, both.overall) and fit.overall != fit.interest
        assert "so its thinking-skills fit is your average percentile (55%)" in fit_text(entry, fit, scores)
    alone = fit_for(bare, PersonScores(interests=interests))
    assert alone.skill is None and alone.overall == alone.interest


def test_the_ranking_gives_entries_without_measured_skills_the_persons_average(scratch_engine: Engine) -> None:
    """The SQL side of the rule above, on every entry of the catalog (the listed ten of the test
    above all draw on measured skills): copies of every job and major without their skills get the
    person's mean skill percentile, and fit_for gives every entry the similarity the statement gives."""
    from legacy_support import add_session

    from aptichat.scales import RIASEC_LETTERS
    from aptichat_pipelines.legacy import sql_matching, sql_scoring
    from aptichat_pipelines.legacy_sim.instruments import own_instruments
    from aptichat_pipelines.legacy_sim.schema import init_legacy

    init_legacy(scratch_engine)
    with scratch_engine.begin() as conn:
        for table in ("jobs", "majors"):
            columns = (
                conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_name = :t AND column_name != 'code'"
                        " ORDER BY ordinal_position"
                    ),
                    {"t": table},
                )
                .scalars()
                .all()
            )
            rest = ", ".join(columns)
            picked = ", ".join("'{}'::text[]" if c == "skills" else c for c in columns)
            conn.execute(text(f"INSERT INTO {table} (code, {rest}) SELECT code || '-noskills', {picked} FROM {table}"))
    _, interests, skills_test = own_instruments()
    answers: dict[str, int | None] = {i.id: 4 if i.scale in "IS" else 2 for i in interests.items}
    for n, item in enumerate(skills_test.items):  # some right, some wrong: percentiles differ by skill
        answers[item.id] = item.correct_answer if n % 3 else item.correct_answer % 4 + 1
    add_session(
        scratch_engine, "skills-person", "skills-person-1", answers, instruments=[i.id for i in own_instruments()]
    )
    scope = {"session_ids": ["skills-person-1"]}
    with scratch_engine.connect() as conn:
        z = {r.letter: float(r.z) for r in conn.execute(text(sql_scoring.INTERESTS), scope)}
        measured = {r.skill: float(r.percentile) for r in conn.execute(text(sql_scoring.SKILLS), scope)}
        params = {**scope, **sql_matching.MATCH_PARAMS, "top_n": 100_000, "per_series": 100_000}
        jobs = conn.execute(text(sql_matching.JOB_MATCHES), params).mappings().all()
        majors = conn.execute(text(sql_matching.MAJOR_MATCHES), params).mappings().all()
    assert len(measured) >= 2 and len(set(measured.values())) >= 2
    scores = PersonScores(interests={x: 50.0 for x in RIASEC_LETTERS}, skills=measured, standardised=z)
    average = sum(measured.values()) / len(measured) / 100

    def entry(kind: str, row: Any) -> CatalogEntry:
        return CatalogEntry(kind, row["code"], row["title"], "", dict(row["riasec"]), tuple(row["skills"]))

    major_entries = [entry("major", row) for row in majors]
    stats = profile_stats(major_entries)
    for kind, rows, entries in (("career", jobs, [entry("career", r) for r in jobs]), ("major", majors, major_entries)):
        bare = [r for r in rows if r["code"].endswith("-noskills")]
        assert len(bare) * 2 == len(rows)
        for row, e in zip(rows, entries, strict=True):
            if row["code"].endswith("-noskills"):
                assert row["skill_fit"] == pytest.approx(average, abs=1e-4)
            fit = fit_for(e, scores, stats if kind == "major" else None)
            # whole percent against the statement's 4 decimals: within half a point (plus that rounding)
            assert fit.overall is not None and abs(fit.overall - row["similarity"] * 100) <= 0.51, (kind, row, fit)

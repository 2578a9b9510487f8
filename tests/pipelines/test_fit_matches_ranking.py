"""The API's fit for any catalog item ("why wasn't lawyer recommended?", aptichat_api/rag/fit.py) is the
ranking's own figure (aptichat_pipelines/legacy/sql_matching.py): for every career and major on a
person's lists, built by the real pipeline, fit_for gives the fit the list shows. The API may not
import the pipelines, so the rule is written twice; this test is what holds the two together."""

from __future__ import annotations

from dagster import DagsterInstance, materialize
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from support.partitions import person_key

from aptichat.db.models import ChatDocument
from aptichat_api.rag.fit import fit_for, person_scores, profile_stats
from aptichat_api.rag.items import CatalogTitles
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

"""embed_and_store in groups across people, writing on a writer thread while the next group embeds:
every person still gets exactly their own new version, outcomes arrive in order, the
unchanged-section cache still skips everything on a re-run, and a writer failure reaches the caller."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from aptichat.embeddings import get_embedder
from aptichat_pipelines.legacy_outcomes import decide_legacy_outcomes
from aptichat_pipelines.legacy_sim.population import seed
from aptichat_pipelines.resources import LegacyDatabase
from aptichat_pipelines.stages import UserDocumentsStage, UserOutcome, embed_and_store
from aptichat_pipelines.transform.transformer import DocumentTransformer

OWN_SEED = 1818  # people u1818-*: nobody else's test writes their documents


@pytest.fixture()
def stages(scratch_engine: Engine) -> dict[str, UserDocumentsStage]:
    seed(5, OWN_SEED, engine=scratch_engine)
    with scratch_engine.connect() as conn:
        people = list(conn.execute(text("SELECT id FROM test_takers ORDER BY id")).scalars())
    legacy = LegacyDatabase(url=scratch_engine.url.render_as_string(hide_password=False))
    fetched = decide_legacy_outcomes(people, legacy.fetch_results(people)).checked()
    transformer = DocumentTransformer()
    out = {}
    for user_id, stage in fetched.items():
        if stage.results is not None:
            built = transformer.build(stage.results)
            out[user_id] = UserDocumentsStage(user_id=user_id, documents=built.documents, gaps=built.gaps)
    assert len(out) >= 3, "the seeded population should give several people documents"
    return out


def _current_chunks(engine: Engine, people: list[str]) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.user_id, count(c.id) FROM chat_documents d JOIN chat_document_chunks c "
                "ON c.document_id = d.id WHERE d.status = 'current' AND d.user_id = ANY(:people) GROUP BY d.user_id"
            ),
            {"people": people},
        ).all()
    return {user_id: int(n) for user_id, n in rows}


def test_groups_across_people_write_each_version_and_keep_the_cache(
    engine: Engine, stages: dict[str, UserDocumentsStage]
) -> None:
    embedder = get_embedder(engine=engine)
    seen: list[tuple[str, str]] = []

    def on_outcome(label: str, outcome: UserOutcome) -> None:
        seen.append((label, outcome.status))

    # one person per group: every write overlaps the next person's embedding
    report = embed_and_store(stages, engine, embedder, group_sections=1, on_outcome=on_outcome)
    people = list(stages)
    assert [label for label, _ in seen] == people  # in order, each once, on the writer thread
    assert all(status in ("succeeded", "partial") for _, status in seen)
    assert report.users_written == len(people) and not report.bad_vectors and not report.unchunked
    expected = {u: sum(len(d.content.sections()) for d in s.documents) for u, s in stages.items()}
    assert _current_chunks(engine, people) == expected
    assert report.chunks == sum(expected.values())

    # the same documents again, in one group: nothing to embed, nothing new written
    again = embed_and_store(stages, engine, embedder)
    assert again.embedded_new == 0
    assert again.documents_written == 0 and again.documents_skipped == report.documents_written
    assert _current_chunks(engine, people) == expected


def test_a_writer_failure_reaches_the_caller(engine: Engine, stages: dict[str, UserDocumentsStage]) -> None:
    def broken(label: str, outcome: UserOutcome) -> None:
        raise RuntimeError(f"chat_etl_jobs unreachable for {label}")

    with pytest.raises(RuntimeError, match="chat_etl_jobs unreachable"):
        embed_and_store(stages, engine, get_embedder(engine=engine), group_sections=1, on_outcome=broken)

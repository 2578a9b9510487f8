"""DocumentRepository against the real embedded PostgreSQL: versions, atomicity, integrity, erasure.

Vectors are small deterministic fakes (seeded, normalised, settings.embedding_dim): no model is loaded."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from aptichat.db import models
from aptichat.db.repository import (
    ChunkInput,
    DocumentIntegrityError,
    DocumentRepository,
    repository_scope,
    write_documents,
)
from aptichat.documents import (
    ChatDocument,
    DocumentStatus,
    DocumentType,
    EtlJobStatus,
    example_document,
    example_documents,
)
from aptichat.settings import LOCAL_EMBEDDING_DIM as DIM
from aptichat.settings import Settings

P, T = DocumentType.personality_profile, DocumentType.thinking_skills


def fake_vector(key: str, dim: int) -> np.ndarray:
    """A unit vector fixed by `key`."""
    seed = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    vector = np.random.default_rng(seed).standard_normal(dim)
    return vector / np.linalg.norm(vector)


def chunks_for(doc: ChatDocument, settings: Settings) -> list[ChunkInput]:
    """One chunk per section, as the pipeline's chunker makes them."""
    return [
        ChunkInput(
            i, s.section_id, s.title, s.text, fake_vector(s.text, settings.embedding_dim), settings.embedding_model
        )
        for i, s in enumerate(doc.sections())
    ]


def with_chunks(docs: list[ChatDocument], settings: Settings) -> list[tuple[ChatDocument, list[ChunkInput]]]:
    return [(doc, chunks_for(doc, settings)) for doc in docs]


@pytest.fixture()
def user_id() -> str:
    return f"u-{uuid.uuid4().hex[:10]}"


@pytest.fixture()
def repo(db_session: Session) -> DocumentRepository:
    return DocumentRepository(db_session)


@pytest.fixture()
def committed_user(engine: Engine) -> Iterator[str]:
    """A user whose writes are committed for real; erased afterwards."""
    uid = f"c-{uuid.uuid4().hex[:10]}"
    yield uid
    with repository_scope(engine) as repo:
        repo.erase_user(uid)


def test_write_then_read_every_document_and_chunk(repo: DocumentRepository, user_id: str, settings: Settings) -> None:
    docs = example_documents(user_id)
    result = repo.write_version(user_id, with_chunks(docs, settings))
    assert result.written == {t: 1 for t in DocumentType} and not result.skipped
    assert result.chunks_written == sum(len(d.sections()) for d in docs)

    current = repo.current_documents(user_id)
    assert [d.document_type for d in current] == list(DocumentType)
    for stored, original in zip(current, docs, strict=True):
        assert (stored.version, stored.status) == (1, DocumentStatus.current)
        assert stored.content == original.content and stored.content_hash == original.content_hash
    assert [d.document_type for d in repo.current_documents(user_id, types=[T])] == [T]

    chunks = repo.current_chunks(user_id)
    assert [c.section_id for c in chunks] == [s for d in docs for s in d.section_ids()]
    first = chunks[0]
    assert (first.document_type, first.version, first.ordinal) == (P, 1, 0)
    assert first.embedding is not None and first.embedding.shape == (settings.embedding_dim,)
    assert np.allclose(first.embedding, fake_vector(first.text, settings.embedding_dim), atol=1e-6)
    assert repo.current_version_marker(user_id) == max(result.document_ids.values())
    assert repo.check_integrity(user_id) == []


def test_same_content_is_skipped(repo: DocumentRepository, user_id: str, settings: Settings) -> None:
    repo.write_version(user_id, with_chunks(example_documents(user_id), settings))
    marker = repo.current_version_marker(user_id)
    again = repo.write_version(user_id, with_chunks(example_documents(user_id), settings))
    assert again.written == {} and again.skipped == {t: 1 for t in DocumentType} and not again.changed
    assert repo.current_version_marker(user_id) == marker
    assert len(repo.list_versions(user_id, P)) == 1


def test_versions_increment_and_the_old_one_is_superseded(
    repo: DocumentRepository, user_id: str, settings: Settings
) -> None:
    repo.write_version(user_id, with_chunks(example_documents(user_id), settings))
    marker = repo.current_version_marker(user_id)
    for version in (2, 3):
        changed = example_document(user_id, T, title=f"Your thinking skills, take {version}")
        result = repo.write_version(user_id, with_chunks([changed, example_document(user_id, P)], settings))
        assert result.written == {T: version} and result.skipped == {P: 1}

    versions = repo.list_versions(user_id, T)
    assert [(v.version, v.status) for v in versions] == [
        (1, DocumentStatus.superseded),
        (2, DocumentStatus.superseded),
        (3, DocumentStatus.current),
    ]
    assert repo.current_version_marker(user_id) > marker
    old = repo.get_version(user_id, T, 1)
    assert old is not None and old.title == "Your thinking skills" and old.status is DocumentStatus.superseded
    skills_chunks = repo.current_chunks(user_id, types=[T])
    assert {c.version for c in skills_chunks} == {3}
    # Superseded versions keep their content but not their chunks: no reader can mix versions.
    stale = repo.session.execute(
        text("SELECT count(*) FROM chat_document_chunks WHERE document_id = :id"), {"id": versions[0].document_id}
    ).scalar_one()
    assert stale == 0
    assert repo.check_integrity(user_id) == []


def test_the_database_refuses_a_second_current_document(
    repo: DocumentRepository, user_id: str, settings: Settings
) -> None:
    repo.write_version(user_id, with_chunks([example_document(user_id, T)], settings))
    repo.write_version(user_id, with_chunks([example_document(user_id, T, title="Retake")], settings))
    insert = (
        "INSERT INTO chat_documents (user_id, document_type, version, status, title, content, rendered_text, "
        "content_hash) VALUES (:u, 'thinking_skills', 9, 'current', 't', '{}', 'x', repeat('a', 64))"
    )
    with pytest.raises(IntegrityError, match="uq_chat_documents_one_current"), repo.session.begin_nested():
        repo.session.execute(text(insert), {"u": user_id})
    revive = "UPDATE chat_documents SET status = 'current' WHERE user_id = :u AND version = 1"
    with pytest.raises(IntegrityError, match="uq_chat_documents_one_current"), repo.session.begin_nested():
        repo.session.execute(text(revive), {"u": user_id})
    assert [v.status for v in repo.list_versions(user_id, T)] == [DocumentStatus.superseded, DocumentStatus.current]


def test_concurrent_writers_of_one_user_take_turns(engine: Engine, committed_user: str, settings: Settings) -> None:
    """Without the per-user lock two writers would read the same max version and collide."""
    writers = 4
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        doc = example_document(committed_user, T, title=f"Take {n}")
        try:
            barrier.wait()
            write_documents(committed_user, with_chunks([doc], settings), engine=engine)
        except BaseException as exc:  # reported below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with repository_scope(engine) as repo:
        versions = repo.list_versions(committed_user, T)
        assert [v.version for v in versions] == [1, 2, 3, 4]
        assert [v.status for v in versions].count(DocumentStatus.current) == 1
        assert repo.check_integrity(committed_user) == []


def _break(field: str, value: Any, section: int = 1) -> Callable[[list[ChunkInput]], list[ChunkInput]]:
    def mutate(chunks: list[ChunkInput]) -> list[ChunkInput]:
        chunks[section] = replace(chunks[section], **{field: value})
        return chunks

    return mutate


BAD_CHUNKS: dict[str, tuple[Callable[[list[ChunkInput]], list[ChunkInput]], str]] = {
    "missing section": (lambda c: c[:-1], "no chunk for section(s) ['skills:memory']"),
    "extra section": (lambda c: [*c, replace(c[0], ordinal=99, section_id="skills:music")], "unknown section"),
    "section twice": (
        lambda c: [*c, replace(c[1], ordinal=99)],
        "more than one chunk for section(s) ['skills:verbal']",
    ),
    "repeated ordinal": (_break("ordinal", 0), "ordinals must be unique"),
    "wrong dimension": (_break("embedding", np.ones(7)), "dimension (7,)"),
    "NaN in vector": (_break("embedding", np.full(DIM, np.nan)), "NaN"),
    "zero vector": (_break("embedding", np.zeros(DIM)), "zero vector"),
    "not numbers": (_break("embedding", ["a"] * DIM), "not a sequence of numbers"),
    "other model": (_break("embedding_model", "text-embedding-3"), "'text-embedding-3' is not the configured"),
    "empty text": (_break("text", "  "), "text is empty"),
}


@pytest.mark.parametrize(("mutate", "expected"), list(BAD_CHUNKS.values()), ids=list(BAD_CHUNKS))
def test_bad_chunks_are_refused_and_nothing_is_written(
    repo: DocumentRepository,
    user_id: str,
    settings: Settings,
    mutate: Callable[[list[ChunkInput]], list[ChunkInput]],
    expected: str,
) -> None:
    repo.write_version(user_id, with_chunks([example_document(user_id, T)], settings))
    before = _chunk_keys(repo, user_id)
    doc = example_document(user_id, T, title="Retake")
    personality = example_document(user_id, P)
    items = [(personality, chunks_for(personality, settings)), (doc, mutate(chunks_for(doc, settings)))]
    with pytest.raises(DocumentIntegrityError, match="thinking_skills") as caught:
        repo.write_version(user_id, items)
    assert expected in str(caught.value)
    assert [(d.document_type, d.version) for d in repo.current_documents(user_id)] == [(T, 1)]
    assert _chunk_keys(repo, user_id) == before


def test_a_version_that_is_not_self_consistent_is_refused(
    repo: DocumentRepository, user_id: str, settings: Settings
) -> None:
    mine, theirs = example_document(user_id, T), example_document("someone-else", P)
    with pytest.raises(DocumentIntegrityError) as caught:
        repo.write_version(
            user_id,
            [*with_chunks([mine, mine, theirs], settings)],
            gaps={"horoscope": "no", "thinking_skills": "not measured", "major_recommendations": ""},
        )
    problems = caught.value.problems
    assert "thinking_skills: more than one document of this type in one version" in problems
    assert "personality_profile: belongs to user 'someone-else', not " + repr(user_id) in problems
    assert "gaps: 'horoscope' is not a document type" in problems
    assert "gaps: thinking_skills is reported missing but is being written" in problems
    assert "gaps: 'major_recommendations' needs a reason" in problems
    assert repo.current_version_marker(user_id) == 0


def test_an_error_inside_the_write_leaves_the_old_version_and_the_session_usable(
    repo: DocumentRepository, user_id: str, settings: Settings
) -> None:
    """A failure after the first document's chunks are in: the savepoint undoes all of it."""
    repo.write_version(user_id, with_chunks(example_documents(user_id), settings))
    before = _chunk_keys(repo, user_id)
    repo.session.execute(
        text(
            "CREATE FUNCTION pg_temp.fail_chunk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.section_id = 'skills:overview' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; "
            "RETURN NEW; END $$;"
            "CREATE TRIGGER fail_chunk BEFORE INSERT ON chat_document_chunks FOR EACH ROW "
            "EXECUTE FUNCTION pg_temp.fail_chunk();"
        )
    )
    new = [example_document(user_id, P, summary="A new summary."), example_document(user_id, T, title="Retake")]
    with pytest.raises(DBAPIError, match="disk full"):
        repo.write_version(user_id, with_chunks(new, settings), gaps={"major_recommendations": "not measured"})
    assert _chunk_keys(repo, user_id) == before
    assert [len(repo.list_versions(user_id, t)) for t in (P, T)] == [1, 1]
    assert repo.document_gaps(user_id) == {}
    assert repo.check_integrity(user_id) == []


def _chunk_keys(repo: DocumentRepository, user_id: str) -> list[tuple[int, str, str, bytes]]:
    """What identifies the stored chunks, vectors included."""
    return [
        (c.document_id, c.section_id, c.text, b"" if c.embedding is None else c.embedding.tobytes())
        for c in repo.current_chunks(user_id)
    ]


def test_a_killed_connection_mid_write_leaves_the_old_version_current(
    engine: Engine, committed_user: str, settings: Settings
) -> None:
    """The backend writing the version dies between the first and second document's chunks."""
    write_documents(committed_user, with_chunks(example_documents(committed_user), settings), engine=engine)
    with repository_scope(engine) as repo:
        before = _chunk_keys(repo, committed_user)
        marker = repo.current_version_marker(committed_user)
    trigger = f"kill_{committed_user.replace('-', '_')}"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.user_id = '{committed_user}' AND NEW.section_id = 'skills:overview' THEN "
                "PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$;"
                f"CREATE TRIGGER {trigger} BEFORE INSERT ON chat_document_chunks FOR EACH ROW "
                f"EXECUTE FUNCTION {trigger}();"
            )
        )
    try:
        new = [example_document(committed_user, P, summary="New."), example_document(committed_user, T, title="R")]
        with pytest.raises(DBAPIError, match="terminat") as caught:
            write_documents(committed_user, with_chunks(new, settings), engine=engine)
        assert caught.value.connection_invalidated
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TRIGGER {trigger} ON chat_document_chunks; DROP FUNCTION {trigger}();"))
    with repository_scope(engine) as repo:
        assert _chunk_keys(repo, committed_user) == before
        assert repo.current_version_marker(committed_user) == marker
        assert all(d.version == 1 for d in repo.current_documents(committed_user))
        assert repo.check_integrity(committed_user) == []


def test_users_gaps_and_background(repo: DocumentRepository, user_id: str, settings: Settings) -> None:
    repo.ensure_user(user_id, background={"grade": 11}, display_name="Sam")
    repo.ensure_user(user_id)  # a no-op: keeps what is there
    repo.write_version(user_id, with_chunks([example_document(user_id, P)], settings), gaps={"thinking_skills": "x"})
    assert repo.document_gaps(user_id) == {"thinking_skills": "x"}
    repo.write_version(user_id, [], gaps={})
    assert repo.document_gaps(user_id) == {}
    user = repo.session.get(models.ChatUser, user_id)
    assert user is not None and (user.display_name, user.background) == ("Sam", {"grade": 11})


def test_check_integrity_reports_tampering(repo: DocumentRepository, user_id: str, settings: Settings) -> None:
    repo.write_version(user_id, with_chunks(example_documents(user_id), settings))
    params = {"u": user_id}
    for statement in (
        "DELETE FROM chat_document_chunks WHERE user_id = :u AND section_id = 'skills:memory'",
        "UPDATE chat_document_chunks SET embedding_model = 'other' WHERE user_id = :u "
        "AND section_id = 'majors:overview'",
        "UPDATE chat_documents SET content_hash = repeat('b', 64) WHERE user_id = :u "
        "AND document_type = 'personality_profile'",
    ):
        repo.session.execute(text(statement), params)
    problems = repo.check_integrity(user_id)
    assert any("thinking_skills: no chunk for section(s) ['skills:memory']" in p for p in problems)
    assert any("majors:overview" in p and "'other'" in p for p in problems)
    assert any("personality_profile v1: stored content_hash" in p for p in problems)
    assert len(problems) == 3


def test_erase_user_removes_everything_of_the_person(
    repo: DocumentRepository, user_id: str, settings: Settings
) -> None:
    repo.write_version(user_id, with_chunks(example_documents(user_id), settings))
    session = repo.session
    session.add(models.ChatConversation(id=str(uuid.uuid4()), user_id=user_id))
    session.flush()
    conversation = session.query(models.ChatConversation).filter_by(user_id=user_id).one()
    message = models.ChatMessage(conversation_id=conversation.id, user_id=user_id, role="assistant", text="Hi")
    session.add(message)
    session.flush()
    session.add(models.ChatFeedback(message_id=message.id, user_id=user_id, rating=5))
    session.flush()
    other = f"{user_id}-other"
    repo.write_version(other, with_chunks([example_document(other, T)], settings))

    counts = repo.erase_user(user_id)
    assert counts["chat_users"] == 1 and counts["chat_documents"] == 4 and counts["chat_feedback"] == 1
    for table in ("chat_users", "chat_documents", "chat_document_chunks", "chat_conversations", "chat_messages"):
        left = session.execute(text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user_id}).scalar_one()
        assert left == 0, table
    assert repo.current_version_marker(user_id) == 0
    assert len(repo.current_chunks(other)) == len(example_document(other, T).sections())


def test_schema_vocabularies_follow_the_enums(engine: Engine) -> None:
    assert tuple(DocumentType) == models.DOCUMENT_TYPES
    assert tuple(DocumentStatus) == models.DOCUMENT_STATUSES
    assert tuple(EtlJobStatus) == models.ETL_JOB_STATUSES
    with engine.connect() as conn:
        defs: dict[str, str] = dict(
            conn.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conname IN ('ck_chat_documents_type', 'ck_chat_documents_status', 'ck_chat_etl_jobs_status')"
                )
            ).all()
        )
    for name, enum in (
        ("ck_chat_documents_type", DocumentType),
        ("ck_chat_documents_status", DocumentStatus),
        ("ck_chat_etl_jobs_status", EtlJobStatus),
    ):
        assert all(f"'{value}'" in defs[name] for value in enum), name

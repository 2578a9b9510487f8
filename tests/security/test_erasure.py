"""DELETE /users/{id} really erases: every row that holds the person's data (documents, chunks,
conversations, messages, feedback, safety flags, the user row and the ETL's per-user stage outputs, which hold their
scored test results and built documents) is gone, as are the chat engine's in-process caches of them.

Kept on purpose and checked as such: chat_etl_jobs rows, anonymised (no user id, session, keys or
error text; an open job ends failed/erased), and chat_embedding_cache (keyed by a hash of a text,
shared by everyone with the same text, no text in it). Afterwards no column of any table of the app
database holds the person's id (every text and JSON column is searched).
"""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask
from sqlalchemy import Engine, text
from support.api import app_config, bearer, seed_person, serve

from aptichat.db import etl_jobs, person_keys
from aptichat.settings import Settings
from aptichat_api.chat_service import chat_engine_if_built

VICTIM, BYSTANDER = "sec-erin-0005", "sec-frank-0006"
PERSONAL_TABLES = {
    "chat_users": "user_id",
    "chat_documents": "user_id",
    "chat_document_chunks": "user_id",
    "chat_conversations": "user_id",
    "chat_messages": "user_id",
    "chat_feedback": "user_id",
    "chat_safety_flags": "user_id",
    "chat_person_keys": "user_id",
    "chat_etl_stage_outputs": "payload->>'user_id'",  # keyed by the person's pseudonymous partition key
}


def _counts(engine: Engine, user_id: str) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = :u"), {"u": user_id}).scalar_one()
            for table, column in PERSONAL_TABLES.items()
        }


def _stage_outputs(engine: Engine, user_id: str) -> None:
    """What a run of the ETL leaves for a person (their partition key, the StageIOManager's rows under
    it), written directly."""
    with engine.begin() as conn:
        key = person_keys.ensure(conn, [user_id])[user_id]
        for asset in ("legacy_test_results", "user_documents"):
            conn.execute(
                text(
                    "INSERT INTO chat_etl_stage_outputs (asset_key, partition_key, run_id, model, payload) "
                    "VALUES (:a, :u, 'run-1', 'aptichat_pipelines.stages:LegacyStageResult', "
                    "CAST(:p AS jsonb)) ON CONFLICT DO NOTHING"
                ),
                {"a": asset, "u": key, "p": f'{{"user_id": "{user_id}", "results": {{"holland_code": "SAI"}}}}'},
            )


def tables_naming(engine: Engine, user_id: str) -> list[str]:
    """Every `table.column` of the app database (text, varchar and JSON columns) with a value containing
    the user id."""
    with engine.connect() as conn:
        columns = conn.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'character') ORDER BY 1, 2"
            )
        ).all()
        return [
            f"{t}.{c}"
            for t, c in columns
            if conn.execute(
                text(f'SELECT EXISTS (SELECT 1 FROM "{t}" WHERE "{c}"::text LIKE :p)'), {"p": f"%{user_id}%"}
            ).scalar()
        ]


def _cached_user_keys(app: Flask, user_id: str) -> list[Any]:
    """Keys mentioning the person in any LRU the app's chat engine holds."""
    engine = chat_engine_if_built(app)
    if engine is None:
        return []
    found = []
    for cache in vars(engine).values():
        lru = getattr(cache, "_lru", None)
        for key in list(getattr(lru, "_data", {})):
            if user_id in str(key):
                found.append(key)
    return found


def test_erasure_removes_every_personal_row_and_cache(engine: Engine, settings: Settings) -> None:
    from aptichat_api.app import create_app

    for person in (VICTIM, BYSTANDER):
        seed_person(engine, settings, person)
        _stage_outputs(engine, person)
    job, _ = etl_jobs.create_job(engine, VICTIM, "reprocess")
    app = create_app(app_config(settings))
    with serve(app) as url:
        for person in (VICTIM, BYSTANDER):
            headers = bearer(settings, person)
            answer = requests.post(f"{url}/chat/question", json={"question": "What fits me?"}, headers=headers)
            assert answer.status_code == 200
            feedback = requests.post(
                f"{url}/chat/feedback", json={"message_id": answer.json()["message_id"], "rating": 5}, headers=headers
            )
            assert feedback.status_code == 200
            # a message the safety layer answers leaves a staff-review flag, which erasure must remove too
            distress = requests.post(f"{url}/chat/question", json={"question": "i want to disappear"}, headers=headers)
            assert distress.status_code == 200 and distress.json()["provider"] == "safety"
        assert _cached_user_keys(app, VICTIM), "the engine should have cached the person's chunks and answer"
        assert all(_counts(engine, VICTIM).values())
        bystander_before = _counts(engine, BYSTANDER)

        r = requests.delete(f"{url}/users/{VICTIM}", headers=bearer(settings, VICTIM), timeout=30)
        assert r.status_code == 200, r.text

        assert _counts(engine, VICTIM) == dict.fromkeys(PERSONAL_TABLES, 0)
        assert _counts(engine, BYSTANDER) == bystander_before
        assert _cached_user_keys(app, VICTIM) == []
        ask = {"question": "What fits me?"}
        assert requests.post(f"{url}/chat/question", json=ask, headers=bearer(settings, VICTIM)).status_code == 404

    assert tables_naming(engine, VICTIM) == []
    assert tables_naming(engine, BYSTANDER), "the scan finds a person who was not erased"
    with engine.connect() as conn:
        jobs = conn.execute(
            text("SELECT status, error_class FROM chat_etl_jobs WHERE user_id = '(erased)' AND id = :j"), {"j": job.id}
        ).all()
        cache_columns = set(
            conn.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = 'chat_embedding_cache'")
            ).scalars()
        )
    assert jobs == [("failed", "erased")], "the job record is kept, anonymised, and the pending job cancelled"
    assert cache_columns == {"text_hash", "model", "task", "dim", "embedding", "created_at"}  # no text, no user

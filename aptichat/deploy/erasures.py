"""A restore never brings an erased person back: erasures recorded after the backup are re-applied.

Before restoring, the live ledger is read (the target's chat_erasures, when it has one, the
append-only APTICHAT_HOME/erasures.ledger of the target's home, and any other ledger file given, e.g.
the old machine's when restoring onto a new one). After pg_restore, every entry the
restored ledger lacks is an erasure newer than the backup: the people whose ids hash to it are erased
again (with the original erased_at) and the entry is added, so the ledger itself outlives the
restore. Dagster's restored storage loses the dynamic partitions of those people.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from aptichat.db import erasure, person_keys
from aptichat.db.engine import engine_for
from aptichat.db.server import app_url, dagster_url
from aptichat.secrets import user_salt
from aptichat.settings import Settings

# every column of the app DB that holds a user id (partition keys are pseudonyms: chat_person_keys maps them;
# stage outputs of an install from before keys were keyed by user id)
ID_COLUMNS = {
    "chat_users": "user_id",
    "chat_documents": "user_id",
    "chat_document_chunks": "user_id",
    "chat_conversations": "user_id",
    "chat_messages": "user_id",
    "chat_feedback": "user_id",
    "chat_safety_flags": "user_id",
    "chat_etl_jobs": "user_id",
    "chat_etl_stage_outputs": "partition_key",
    "chat_person_keys": "user_id",
}


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg2://", "postgresql://").replace("postgresql+psycopg://", "postgresql://")


def live_ledger(target: Settings, files: Iterable[Path] = ()) -> set[erasure.Entry]:
    """The target database's ledger (if it has one), the target home's ledger file and `files`
    (ledger files, or homes holding one)."""
    found: set[erasure.Entry] = set()
    for path in {target.home, *files}:
        found |= erasure.read_file(path)
    with psycopg.connect(_libpq(app_url(target, driver=None))) as conn:
        present = conn.execute("SELECT to_regclass('public.chat_erasures')").fetchone()
        if present and present[0]:
            rows = conn.execute("SELECT person_hash, erased_at FROM chat_erasures").fetchall()
            found |= {erasure.Entry(h, at) for h, at in rows}
    return found


def reapply(target: Settings, ledger: set[erasure.Entry]) -> dict[str, Any]:
    """Erase again everyone the restored database holds whose erasure it does not record; returns how
    many entries were missing and how many people were erased again."""
    from aptichat.db import migrate
    from aptichat.db.repository import DocumentRepository

    if not ledger:
        return {"erasures_missing": 0, "people_erased_again": 0}
    engine = engine_for(app_url(target), 2)
    try:
        with engine.connect() as conn:
            has_ledger = conn.execute(text("SELECT to_regclass('public.chat_erasures')")).scalar()
        if has_ledger is None:
            migrate.upgrade(app_url(target))  # a backup from before the ledger existed
        with engine.begin() as conn:
            missing = sorted(ledger - erasure.entries(conn))
            if not missing:
                return {"erasures_missing": 0, "people_erased_again": 0}
            ids = _user_ids(conn)
        salt = user_salt(target)  # the install's (a restore into another home carries its secrets/)
        by_hash = {erasure.person_hash(u, salt): u for u in ids}
        erased: set[str] = set()
        with engine.connect() as conn:  # their Dagster partitions are keyed by these (or by the id)
            keys = person_keys.keys_of(conn, ids) if _has_keys(conn) else {}
        with Session(engine) as session, session.begin():
            for entry in missing:
                user_id = by_hash.get(entry.person_hash)
                if user_id is None:
                    session.execute(
                        text("INSERT INTO chat_erasures (person_hash, erased_at) VALUES (:h, :at)"),
                        {"h": entry.person_hash, "at": entry.erased_at},
                    )
                    continue
                DocumentRepository(session).erase_user(user_id, entry.erased_at, salt=salt)
                erased.add(user_id)
        _drop_partitions(target, erased | {keys[u] for u in erased if u in keys})
        return {"erasures_missing": len(missing), "people_erased_again": len(erased)}
    finally:
        engine.dispose()


def _user_ids(conn: Any) -> set[str]:
    ids: set[str] = set()
    for table, column in ID_COLUMNS.items():
        if conn.execute(text(f"SELECT to_regclass('public.{table}')")).scalar() is None:
            continue
        ids |= set(conn.execute(text(f"SELECT DISTINCT {column} FROM {table}")).scalars())
    return ids


def _has_keys(conn: Any) -> bool:
    return conn.execute(text("SELECT to_regclass('public.chat_person_keys')")).scalar() is not None


def _drop_partitions(target: Settings, user_ids: set[str]) -> None:
    """Delete the erased people's partitions from Dagster's restored storage (their pseudonymous keys,
    and user ids for partitions from before keys)."""
    if not user_ids:
        return
    url = _libpq(dagster_url(target))
    with psycopg.connect(url) as conn:
        present = conn.execute("SELECT to_regclass('public.dynamic_partitions')").fetchone()
        if present and present[0]:
            conn.execute(
                "DELETE FROM dynamic_partitions WHERE partitions_def_name = 'users' AND partition = ANY(%s)",
                (sorted(user_ids),),
            )

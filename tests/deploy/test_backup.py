"""Backup round trip against the real embedded server: write rows, `aptichat backup create`, `verify`,
`restore --into-home` a fresh server, and compare every table's rows with the source."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from aptichat.db import migrate
from aptichat.db.models import ChatDocument, ChatDocumentChunk, ChatEtlJob, ChatJob, ChatUser
from aptichat.db.server import app_url, dagster_url, start_embedded, stop_embedded
from aptichat.deploy import backups
from aptichat.deploy.pgtools import BackupError
from aptichat.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def _vector(rng: np.random.Generator, dim: int) -> list[float]:
    v = rng.normal(size=dim)
    return [float(x) for x in v / np.linalg.norm(v)]


@pytest.fixture(scope="module")
def source(settings: Settings, pg_server: object) -> Iterator[Settings]:
    """Databases of their own on the session's server (the backup must see committed rows, which the
    rolled-back db_session never commits), with two users, documents, chunks, a job and Dagster tables."""
    run = f"bk{uuid.uuid4().hex[:8]}"
    src = settings.model_copy(update={"app_db_name": f"{run}_app", "dagster_db_name": f"{run}_dagster"})
    server = start_embedded(settings)
    for name in (src.app_db_name, src.dagster_db_name):
        server.psql(f'CREATE DATABASE "{name}";')  # type: ignore[attr-defined]
    migrate.upgrade(url=app_url(src))
    from dagster_postgres.run_storage import PostgresRunStorage

    PostgresRunStorage(dagster_url(src))  # creates Dagster's run tables, as the daemon would
    rng = np.random.default_rng(7)
    engine = create_engine(app_url(src))
    with Session(engine) as session:
        for user in ("u-001", "u-002"):
            session.add(ChatUser(user_id=user, display_name=f"User {user}"))
            session.flush()  # no ORM relationship orders users before documents
            doc = ChatDocument(
                user_id=user,
                document_type="personality_profile",
                version=1,
                status="current",
                title="Personality profile",
                content={"sections": []},
                rendered_text="text",
                content_hash="a" * 64,
            )
            doc.chunks = [
                ChatDocumentChunk(
                    user_id=user,
                    document_type="personality_profile",
                    ordinal=i,
                    section_id=f"s{i}",
                    title=f"Section {i}",
                    text=f"chunk {i} of {user}",
                    embedding=_vector(rng, src.embedding_dim),
                    embedding_model=src.embedding_model,
                )
                for i in range(3)
            ]
            session.add(doc)
            session.add(ChatEtlJob(user_id=user, source="manual", status="succeeded"))
        session.add(
            ChatJob(
                code="15-1252.00",
                title="Software Developers",
                description="Build software.",
                riasec={"I": 0.9, "C": 0.6},
                source="test",
                content_hash="b" * 64,
                embedding=_vector(rng, src.embedding_dim),
            )
        )
        session.commit()
    engine.dispose()
    yield src
    for name in (src.app_db_name, src.dagster_db_name):
        server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')  # type: ignore[attr-defined]


def _cli(args: list[str], env_settings: Settings) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, APTICHAT_HOME=str(env_settings.home), XDG_RUNTIME_DIR="/tmp")
    env["APTICHAT_APP_DB"], env["APTICHAT_DAGSTER_DB"] = env_settings.app_db_name, env_settings.dagster_db_name
    return subprocess.run([sys.executable, "-m", "aptichat.cli", *args], env=env, capture_output=True, text=True)


def _fingerprints(url: str, tables: list[str]) -> dict[str, str]:
    """md5 over every row of each table in a stable order: equal fingerprints = equal contents."""
    out: dict[str, str] = {}
    with psycopg.connect(url.replace("postgresql+psycopg2", "postgresql")) as conn:
        for table in tables:
            query = sql.SQL("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t")
            row = conn.execute(query.format(sql.Identifier(table))).fetchone()
            out[table] = row[0] if row else ""
    return out


@pytest.mark.slow
def test_backup_create_verify_restore_round_trip(source: Settings, tmp_path: Path) -> None:
    out = tmp_path / "backup1"
    created = _cli(["backup", "create", "--out", str(out)], source)
    assert created.returncode == 0, created.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    app_tables = manifest["databases"]["app"]["tables"]
    assert app_tables["chat_users"] == 2
    assert app_tables["chat_document_chunks"] == 6
    assert app_tables["chat_jobs"] == 1
    assert app_tables["alembic_version"] == 1
    assert all(name.startswith("chat_") or name == "alembic_version" for name in app_tables)
    assert "runs" in manifest["databases"]["dagster"]["tables"]
    assert manifest["versions"]["server"].startswith("18")
    assert manifest["versions"]["pg_dump"].split(".")[0] == manifest["versions"]["server"].split(".")[0]
    assert manifest["embedding"]["dim"] == source.embedding_dim
    assert not list(tmp_path.glob("*.partial"))

    verified = _cli(["backup", "verify", str(out)], source)
    assert verified.returncode == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] and report["rows"]["app"] == sum(app_tables.values())
    assert report["vectors"]["chat_document_chunks"].startswith("ok")
    assert report["vectors"]["chat_jobs"].startswith("ok")  # through the restored HNSW index's table

    # under /tmp itself: the server runs as another user when we are root, and a concurrent pytest
    # session may reset /tmp/pytest-of-root to 0700 under it
    fresh_home = Path(tempfile.mkdtemp(prefix="aptichat-restore-"))
    restored = _cli(["backup", "restore", str(out), "--into-home", str(fresh_home)], source)
    try:
        assert restored.returncode == 0, restored.stderr
        assert json.loads(restored.stdout)["count_mismatches"] == {}
        target = source.model_copy(update={"home": fresh_home})
        tables = sorted(app_tables)
        restored_rows = _fingerprints(app_url(target, driver=None), tables)
        assert restored_rows == _fingerprints(app_url(source, driver=None), tables)
        dagster_tables = sorted(manifest["databases"]["dagster"]["tables"])
        assert _fingerprints(dagster_url(target), dagster_tables) == _fingerprints(dagster_url(source), dagster_tables)
        # Restoring again over live data is refused without --clean, then allowed with it.
        again = _cli(["backup", "restore", str(out), "--into-home", str(fresh_home)], source)
        assert again.returncode != 0 and "--clean" in again.stderr
        cleaned = _cli(["backup", "restore", str(out), "--into-home", str(fresh_home), "--clean"], source)
        assert cleaned.returncode == 0, cleaned.stderr
    finally:
        stop_embedded(source.model_copy(update={"home": fresh_home}))
        shutil.rmtree(fresh_home, ignore_errors=True)


@pytest.mark.slow
def test_a_tampered_or_unfinished_backup_is_refused(source: Settings, tmp_path: Path) -> None:
    out = tmp_path / "backup2"
    backups.create(source, out)
    with pytest.raises(BackupError, match="already exists"):
        backups.create(source, out)
    dump = out / "app.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="does not match the manifest"):
        backups.verify(out)
    (out / "manifest.json").unlink()
    with pytest.raises(BackupError, match=r"manifest\.json missing"):
        backups.load_manifest(out)

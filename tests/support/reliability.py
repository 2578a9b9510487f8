"""Helpers of the reliability tests: rewrite a person's legacy answers, snapshot and check what is stored."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from aptichat.db.models import ChatDocument as DocumentRow
from aptichat.db.models import ChatDocumentChunk
from aptichat.db.repository import DocumentRepository


@dataclass(frozen=True)
class ReliabilityLegacy:
    db_name: str
    url: str
    engine: Engine
    users: list[str]


def reverse_answers(legacy: Engine, user_id: str) -> None:
    """Mirror every Likert answer of the user's sessions (v -> min + max - v): the scores, and so the
    documents, change, while the answer pattern keeps passing the quality checks."""
    with legacy.begin() as conn:
        conn.execute(
            text(
                "UPDATE responses r SET value = i2.response_min + i2.response_max - r.value "
                "FROM items i JOIN instruments i2 ON i2.id = i.instrument_id "
                "WHERE r.item_id = i.id AND r.value IS NOT NULL AND i2.response_min IS NOT NULL "
                "AND r.session_id IN (SELECT id FROM test_sessions WHERE taker_id = :u)"
            ),
            {"u": user_id},
        )


@dataclass(frozen=True)
class Snapshot:
    """A user's stored state: current (type, version, id, hash) and every chunk (document, ordinal)."""

    current: frozenset[tuple[str, int, int, str]]
    chunks: tuple[tuple[int, int], ...]

    @property
    def current_ids(self) -> set[int]:
        return {c[2] for c in self.current}


def snapshot(engine: Engine, user_id: str) -> Snapshot:
    with Session(engine) as session:
        rows = session.scalars(
            select(DocumentRow).where(DocumentRow.user_id == user_id, DocumentRow.status == "current")
        ).all()
        chunks = session.execute(
            select(ChatDocumentChunk.document_id, ChatDocumentChunk.ordinal)
            .where(ChatDocumentChunk.user_id == user_id)
            .order_by(ChatDocumentChunk.document_id, ChatDocumentChunk.ordinal)
        ).all()
    return Snapshot(
        frozenset((r.document_type, r.version, r.id, r.content_hash) for r in rows),
        tuple((int(d), int(o)) for d, o in chunks),
    )


def assert_consistent(engine: Engine, user_id: str) -> Snapshot:
    """One current version per type, each section exactly one chunk, no chunk twice, none stale."""
    state = snapshot(engine, user_id)
    assert state.current, f"{user_id} has no current documents"
    assert len(state.chunks) == len(set(state.chunks)), "duplicate chunks"
    assert {d for d, _ in state.chunks} <= state.current_ids, "chunks outside the current version"
    with Session(engine) as session:
        assert DocumentRepository(session).check_integrity(user_id) == []
    return state


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def aptichat_cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run the `aptichat` command of this venv with `env`; returns stdout, raises on failure."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "aptichat"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"aptichat {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


@contextmanager
def gunicorn_api(env: dict[str, str], workers: int = 1, threads: int | None = None) -> Iterator[str]:
    """`aptichat api serve` (gunicorn) on a free loopback port with `env`; yields the base URL."""
    from support.api import wait_for

    port = free_port()
    full = {**env, "APTICHAT_API_HOST": "127.0.0.1", "APTICHAT_API_PORT": str(port)}
    argv = [str(Path(sys.executable).parent / "aptichat"), "api", "serve", "--workers", str(workers)]
    if threads:
        argv += ["--threads", str(threads)]
    proc = subprocess.Popen(argv, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/healthz", timeout_s=90)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

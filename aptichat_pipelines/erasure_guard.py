"""The pipeline's side of the erasure ledger (aptichat.db.erasure, docs/privacy.md).

Legacy results of a session completed before its person's erasure never enter a run's stages. A
person erased while a run of theirs is in flight is not written back by it: every write of the run
compares the erasure with the creation of the run's root (a re-execution of an old run is as old as
the work it repeats), not with the moment of the write.

What a run says to Dagster (metadata, log lines, step errors) names a person only by their
pseudonymous partition key (aptichat.db.person_keys): `redact` rewrites our own error texts, which
name the user and session for our database's job records."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from dagster import DagsterInstance, DagsterRun
from sqlalchemy import Engine

from aptichat.db import erasure
from aptichat_pipelines.stages import LegacyStageResult


def run_began_at(instance: DagsterInstance, run: DagsterRun) -> datetime:
    """The creation time of the run's root run (or of the run itself); now when neither is recorded."""
    times = []
    for run_id in {run.run_id, run.root_run_id or run.run_id}:
        record = instance.get_run_record_by_id(run_id)
        if record is not None:
            times.append(record.create_timestamp)
    return min(times) if times else datetime.now(UTC)


def without_erased(engine: Engine, fetched: dict[str, LegacyStageResult]) -> dict[str, LegacyStageResult]:
    """The legacy results a run may carry on: a session completed before its person's erasure (a
    backfill over old partitions, a re-run of an old key) and anything about an erased person who has
    not come back are dropped here, so no later stage stores or logs them."""
    kept: dict[str, LegacyStageResult] = {}
    with engine.connect() as conn:
        erased = erasure.latest_erasures(conn, fetched)  # one query; only the erased are looked at again
        for user_id, stage in fetched.items():
            if user_id not in erased:
                gone = False
            elif stage.results is not None:
                gone = erased[user_id] >= stage.results.completed_at
            else:
                gone = erasure.refuses_reprocess(conn, user_id)
            if not gone:
                kept[user_id] = stage
    return kept


_QUOTED_SESSION = re.compile(r"session '[^']*'")


def redact(text: str, user_id: str, key: str, sessions: Iterable[str | None] = ()) -> str:
    """`text` as Dagster may keep it: the user id replaced by the person's partition key, session ids
    (ours are quoted after "session", LegacyQueryError) and any `sessions` given replaced by a mark."""
    said = _QUOTED_SESSION.sub("session (redacted)", text)
    for session in sessions:
        if session:
            said = said.replace(session, "(session)")
    return said.replace(user_id, key) if user_id else said

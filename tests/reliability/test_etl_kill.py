"""kill -9 of an ETL run in the middle of user_document_embeddings: the person's previous version stays
current with all its chunks and nothing half-written is left; the next run writes the new version.

The run to kill is a real `materialize(...)` in a subprocess with its own DAGSTER_HOME, reading the
same databases through the environment this session set (APTICHAT_HOME, APTICHAT_APP_DB, ...). Two
places to die: when the step starts (the local model is still loading: no write yet), and inside the
write transaction, after the new rows were flushed but before the commit (held there by a wrapper
around DocumentRepository.write_version that prints a marker and sleeps).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize
from sqlalchemy import Engine
from support.partitions import person_key
from support.reliability import ReliabilityLegacy, assert_consistent, reverse_answers, snapshot

from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
from aptichat_pipelines.definitions import defs
from aptichat_pipelines.resources import LegacyDatabase

pytestmark = pytest.mark.slow
USER_ASSETS = [legacy_test_results, user_documents, user_document_embeddings]
STEP_STARTED = 'Started execution of step "user_document_embeddings"'
HELD_IN_WRITE = "APTICHAT-TEST: new version flushed, not committed"

CHILD = textwrap.dedent(
    """
    import sys, time
    from dagster import DagsterInstance, materialize
    from aptichat_pipelines.assets.users import legacy_test_results, user_document_embeddings, user_documents
    from aptichat_pipelines.definitions import defs

    user, hold, marker = sys.argv[1], sys.argv[2] == "hold", sys.argv[3]  # user: the person's partition key
    if hold:
        from aptichat.db.repository import DocumentRepository

        original = DocumentRepository.write_version

        def held(self, *args, **kwargs):
            result = original(self, *args, **kwargs)
            self.session.flush()
            print(marker, flush=True)
            time.sleep(300)
            return result

        DocumentRepository.write_version = held
    instance = DagsterInstance.get()
    instance.add_dynamic_partitions("users", [user])
    result = materialize(
        [legacy_test_results, user_documents, user_document_embeddings],
        partition_key=user, resources=dict(defs().resources), instance=instance,
    )
    sys.exit(0 if result.success else 1)
    """
)


def resources(legacy: ReliabilityLegacy) -> dict[str, object]:
    return {**defs().resources, "legacy": LegacyDatabase(url=legacy.url)}


def run_until_marker_then_kill(tmp_path: Path, legacy: ReliabilityLegacy, user: str, mode: str, marker: str) -> str:
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "APTICHAT_LEGACY_DB": legacy.db_name}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, user, mode, HELD_IN_WRITE],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            if not selector.select(timeout=1):
                continue
            line = proc.stdout.readline()
            if not line:
                break  # the child exited before reaching the marker
            seen.append(line)
            if marker in line:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
                assert proc.returncode == -signal.SIGKILL
                return "".join(seen)
        raise AssertionError(f"never saw {marker!r}; child said:\n{''.join(seen)[-4000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
        proc.stdout.close()


@pytest.mark.parametrize(
    ("mode", "marker", "user_index"),
    [("step", STEP_STARTED, 0), ("hold", HELD_IN_WRITE, 1)],
    ids=["at-step-start", "inside-write-transaction"],
)
def test_sigkill_during_embeddings_keeps_the_old_version_then_rerun_writes_the_new(
    tmp_path: Path,
    engine: Engine,
    reliability_legacy: ReliabilityLegacy,
    dagster_instance: DagsterInstance,
    mode: str,
    marker: str,
    user_index: int,
) -> None:
    user = reliability_legacy.users[user_index]
    key = person_key(engine, dagster_instance, user)
    first = materialize(
        USER_ASSETS, partition_key=key, resources=resources(reliability_legacy), instance=dagster_instance
    )
    assert first.success
    old = assert_consistent(engine, user)

    reverse_answers(reliability_legacy.engine, user)  # the next run builds different documents
    run_until_marker_then_kill(tmp_path, reliability_legacy, key, mode, marker)

    after_kill = assert_consistent(engine, user)
    assert after_kill == old, "the killed run changed the stored version"

    rerun = materialize(
        USER_ASSETS, partition_key=key, resources=resources(reliability_legacy), instance=dagster_instance
    )
    assert rerun.success
    new = assert_consistent(engine, user)
    assert {t for t, *_ in new.current} == {t for t, *_ in old.current}
    old_versions = {t: (v, h) for t, v, _, h in old.current}
    changed = set()
    for doc_type, version, _, content_hash in new.current:
        old_version, old_hash = old_versions[doc_type]
        if content_hash == old_hash:  # thinking skills are right/wrong items: mirroring leaves them
            assert version == old_version, doc_type
        else:
            assert version == old_version + 1, doc_type
            changed.add(doc_type)
    assert "personality_profile" in changed
    assert snapshot(engine, user) == new

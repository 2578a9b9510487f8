"""What several benchmarks share: a timestamped log line, the scratch databases they run on, and the
plain loop over the ETL's stage functions (no Dagster) that etl.py and rerank.py compare against.

Import it after the benchmark has set its APTICHAT_*_DB variables: nothing here reads settings at
import time.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from sqlalchemy import Engine

    from aptichat_pipelines.stages import EmbedReport


def scratch_environment(prefix: str) -> None:
    """Before anything reads settings: databases of the benchmark's own (`<prefix>_app`, `_legacy`,
    `_dagster` on the embedded server), the offline local model, no Gemini, no configured database."""
    os.environ["APTICHAT_APP_DB"] = f"{prefix}_app"
    os.environ["APTICHAT_LEGACY_DB"] = f"{prefix}_legacy"
    os.environ["APTICHAT_DAGSTER_DB"] = f"{prefix}_dagster"
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    for var in ("APTICHAT_DATABASE_URL", "APTICHAT_LEGACY_DATABASE_URL", "APTICHAT_EMBEDDINGS", "GEMINI_API_KEY"):
        os.environ.pop(var, None)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def fresh_databases() -> tuple[Engine, Engine]:
    """The app, legacy and Dagster databases named by the settings, dropped and created again on the
    embedded server, the app schema migrated and the legacy schema made; (app engine, legacy engine)."""
    from aptichat.db import migrate
    from aptichat.db.engine import get_engine, get_legacy_engine
    from aptichat.db.server import start_embedded
    from aptichat.settings import get_settings
    from aptichat_pipelines.legacy_sim.schema import init_legacy

    settings = get_settings()
    server = start_embedded(settings)
    for name in (settings.app_db_name, settings.legacy_db_name, settings.dagster_db_name):
        server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
        server.psql(f'CREATE DATABASE "{name}";')
    migrate.upgrade()
    legacy = get_legacy_engine(settings)
    init_legacy(legacy)
    return get_engine(settings), legacy


def plain_loop(app: Engine, users: list[str], batch_size: int, embedder: Any) -> list[EmbedReport]:
    """The per-person work of a run, without Dagster: legacy results, documents, embedding and the atomic
    write, for `users` in batches of `batch_size`; one store report per batch."""
    from aptichat_pipelines.legacy_outcomes import decide_legacy_outcomes
    from aptichat_pipelines.resources import LegacyDatabase
    from aptichat_pipelines.stages import UserDocumentsStage, embed_and_store
    from aptichat_pipelines.transform.transformer import DocumentTransformer

    resource = LegacyDatabase()
    reports = []
    for i in range(0, len(users), batch_size):
        batch = users[i : i + batch_size]
        fetched = decide_legacy_outcomes(batch, resource.fetch_results(batch)).checked()
        transformer = DocumentTransformer()
        stages: dict[str, UserDocumentsStage] = {}
        for user_id, stage in fetched.items():
            if stage.results is None:
                stages[user_id] = UserDocumentsStage(user_id=user_id, error=stage.error)
                continue
            built = transformer.build(stage.results)
            stages[user_id] = UserDocumentsStage(
                user_id=user_id, documents=built.documents, gaps=built.gaps, session_id=built.session_id
            )
        reports.append(embed_and_store(stages, app, embedder))
    return reports

"""A real /metrics scrape after traffic that exercises every family the dashboard and the alert rules
query: chat answers from (a fake) Gemini, one that fails its faithfulness check and falls back
(degraded), one whose query embedding fails (retrieval degraded), a message in distress (safety flag),
a rejected question, finished ETL jobs and a stage timing in the database, and a backup folder.

Computed once per test session and shared by test_dashboard.py and test_monitoring.py."""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, delete, insert
from support.api import HashEmbedder, app_config, bearer, seed_person
from support.fake_gemini import FakeGemini, prompt_of, section_number

from aptichat.settings import Settings

USER = "monitoring-0001"
FAILING_QUERY = "zebra"  # the test embedder fails on questions naming it: keyword-only retrieval
WRONG = "Your openness to experience is at the 91st percentile [{n}]."
BACKUP_AGE_S = 7200.0
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
EXPORTERS = {
    # series that come from the monitoring profile's exporters, not from the API (prometheus.yml)
    "up": "Prometheus itself, per scrape target",
    "probe_success": "blackbox exporter (Dagster webserver, daemon, sensor ticks)",
    "node_filesystem_avail_bytes": "node-exporter",
    "node_filesystem_size_bytes": "node-exporter",
}


@dataclass(frozen=True)
class Scrape:
    text: str
    families: dict[str, str]  # family name -> type, from the # TYPE lines
    samples: dict[str, list[tuple[dict[str, str], float]]]  # sample name -> (labels, value)


class _TestEmbedder(HashEmbedder):
    """Hash vectors (a model name the semantic safety layer has no threshold for); fails on FAILING_QUERY."""

    model = "hash-test"

    def embed_query(self, text: str) -> np.ndarray:
        if FAILING_QUERY in text.lower():
            raise RuntimeError("embedding service down")
        return super().embed_query(text)


def parse(text: str) -> Scrape:
    families: dict[str, str] = {}
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            families[name] = kind
        elif line and not line.startswith("#"):
            match = SAMPLE.match(line)
            assert match, line
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            samples.setdefault(match.group(1), []).append((labels, float(match.group(3))))
    return Scrape(text, families, samples)


_scraped: list[Scrape] = []


def scrape_after_traffic(engine: Engine, settings: Settings) -> Scrape:
    """The scrape, taken once per session."""
    if not _scraped:
        _scraped.append(_scrape(engine, settings))
    return _scraped[0]


def _scrape(engine: Engine, settings: Settings) -> Scrape:
    from aptichat.db.models import ChatEtlJob, ChatEtlStageTiming
    from aptichat.embeddings.cache import CachingEmbedder
    from aptichat_api import database
    from aptichat_api.app import create_app
    from aptichat_api.rag import ChatEngine

    seed_person(engine, settings, USER)
    backups = Path(tempfile.mkdtemp(prefix="aptichat-monitoring-backups-"))
    taken = datetime.now(UTC) - timedelta(seconds=BACKUP_AGE_S)
    (backups / "aptichat-test").mkdir()
    (backups / "aptichat-test" / "manifest.json").write_text(json.dumps({"created_at": taken.isoformat()}))
    marker = f"monitoring-{uuid.uuid4().hex[:8]}"
    with FakeGemini(answer_text="Nursing fits your Social interests [1].") as fake:
        gemini = settings.model_copy(
            update={
                "llm": "gemini",
                "gemini_api_key": "test-key",
                "gemini_base_url": fake.base_url,
                "gemini_timeout_s": 5.0,
                "gemini_max_attempts": 2,
                "gemini_retry_initial_delay_s": 0.01,
                "gemini_retry_max_delay_s": 0.05,
                "backup_dir": backups,
                "max_question_chars": 200,  # below the schema's limit: the engine rejects, and counts it
            }
        )

        def factory(app: Any) -> Any:
            with app.app_context():
                embedder = CachingEmbedder(_TestEmbedder(gemini.embedding_dim))
                return ChatEngine(gemini, database.engine(), embedder=embedder)

        app = create_app(app_config(gemini, CHAT_ENGINE_FACTORY=factory, ETL_METRICS_CACHE_S=0))
        client = app.test_client()
        headers = bearer(gemini, USER)
        with engine.begin() as conn:
            conn.execute(
                insert(ChatEtlJob),
                [
                    {"user_id": marker, "status": "succeeded", "source": "webhook"},
                    {"user_id": marker, "status": "failed", "source": "sensor"},
                    {"user_id": marker, "status": "requested", "source": "webhook"},
                ],
            )
            conn.execute(
                insert(ChatEtlStageTiming), [{"run_id": marker, "stage": "user_documents", "users": 1, "seconds": 0.4}]
            )
        try:

            def ask(question: str) -> dict[str, Any]:
                r = client.post("/chat/question", json={"question": question}, headers=headers)
                assert r.status_code == 200, r.get_data(as_text=True)
                return r.json  # type: ignore[no-any-return]

            assert ask("Why is nursing a good career for me?")["provider"].startswith("gemini:")

            def misquote(body: dict[str, Any]) -> str:
                n = section_number(prompt_of(body), "personality:openness")
                return WRONG.format(n=n or 1)

            fake.answer_fn = misquote  # first answer and its regeneration both misquote: offline fallback
            unfaithful = ask("How open am I to new experiences?")
            assert unfaithful["degraded"] is True, unfaithful
            fake.answer_fn = None
            assert ask(f"Which majors fit a {FAILING_QUERY} keeper like me?")["degraded"] is True
            assert ask("I feel hopeless and like there is no point in anything anymore.")["provider"] == "safety"
            rejected = client.post("/chat/question", json={"question": "Why? " * 60}, headers=headers)
            assert rejected.status_code == 422 and "question_too_long" in rejected.get_data(as_text=True), rejected.json
            assert client.get("/healthz").status_code == 200
            text = client.get("/metrics").get_data(as_text=True)
        finally:
            with engine.begin() as conn:
                conn.execute(delete(ChatEtlJob).where(ChatEtlJob.user_id == marker))
                conn.execute(delete(ChatEtlStageTiming).where(ChatEtlStageTiming.run_id == marker))
    return parse(text)


def series_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (identifiers followed by a selector, a range or
    the end of an argument; label names, functions and keywords are left out)."""
    without_strings = re.sub(r"\[[^\]]*\]", "", re.sub(r'"[^"]*"', '""', expr))
    without_labels = re.sub(r"\{[^}]*\}", "{}", without_strings)
    without_grouping = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", without_labels)
    names = set()
    for match in re.finditer(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", without_grouping):
        word = match.group(1)
        if word in {"and", "or", "unless", "bool", "offset", "le", "inf", "nan", "Inf", "NaN"}:
            continue
        if re.fullmatch(r"\d+[smhdwy]?|e\d+", word):
            continue
        names.add(word)
    return names

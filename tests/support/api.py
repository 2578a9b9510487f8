"""Helpers for the API tests: a real HTTP server on loopback, tokens, seeded people."""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import Flask
from sqlalchemy import Engine
from werkzeug.serving import make_server

from aptichat.secrets import secret_value
from aptichat.settings import Settings
from aptichat_api.auth import create_token


class HashEmbedder:
    """Deterministic bag-of-words vectors of the configured dimension: words shared by a question and
    a section make them similar, with no model to load."""

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"[a-z]+", text.lower()):
            vec[int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "big") % self.dim] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec + 1.0 / np.sqrt(self.dim)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        return np.stack([self._one(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)


def seed_person(engine: Engine, settings: Settings, user_id: str, gaps: dict[str, str] | None = None) -> None:
    """Store the example documents of every type for `user_id`, chunked by section and embedded."""
    from aptichat.db.repository import write_documents
    from aptichat.documents import ChunkInput, example_documents

    embedder = HashEmbedder(settings.embedding_dim)
    items = []
    for doc in example_documents(user_id):
        if doc.document_type in (gaps or {}):
            continue  # a gap is a document the run could not build
        sections = doc.sections()
        vectors = embedder.embed_documents([f"{s.title} {s.text}" for s in sections])
        chunks = [
            ChunkInput(i, s.section_id, s.title, s.text, vectors[i], settings.embedding_model)
            for i, s in enumerate(sections)
        ]
        items.append((doc, chunks))
    write_documents(user_id, items, gaps=gaps, engine=engine)


def chat_engine_factory(app: Flask) -> Any:
    """The real ChatEngine (offline composer) with the hashing embedder instead of MiniLM."""
    from aptichat_api import database
    from aptichat_api.rag import ChatEngine

    settings = app.config["SETTINGS"]
    with app.app_context():
        return ChatEngine(settings, database.engine(), embedder=HashEmbedder(settings.embedding_dim))


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Run `app` with werkzeug's threaded server on a free loopback port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="api-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def token(settings: Settings, user_id: str, role: str = "user", ttl_s: int = 3600) -> str:
    return create_token(settings, user_id, role, ttl_s)


def bearer(settings: Settings, user_id: str, role: str = "user", ttl_s: int = 3600) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(settings, user_id, role, ttl_s)}"}


def wait_for(url: str, timeout_s: float = 60.0) -> None:
    import requests

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout_s}s")
        time.sleep(0.2)


def sse_events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """Parse a text/event-stream response into (event, data) pairs."""
    import json

    events: list[tuple[str, dict[str, Any]]] = []
    event, data = "message", ""
    for line in response.iter_lines(decode_unicode=True):
        if line == "":
            if data:
                events.append((event, json.loads(data)))
            event, data = "message", ""
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data += line[6:]
    return events


ALICE, BOB, CAROL, ADMIN = "alice-0001", "bob-0002", "carol-0003", "admin-0009"
GAPS = {"major_recommendations": "not measured in this test"}


@dataclass
class Api:
    url: str
    settings: Settings

    def headers(self, user_id: str = ALICE, role: str = "user") -> dict[str, str]:
        return bearer(self.settings, user_id, role)

    @property
    def service(self) -> dict[str, str]:
        return {"X-API-Key": secret_value(self.settings, "service_api_key")}


def app_config(settings: Settings, **overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "SETTINGS": settings,
        "TESTING": True,
        "RATE_LIMIT_USER": "100000/minute",
        "RATE_LIMIT_IP": "100000/minute",
        "RATE_LIMIT_NAMESPACE": f"test-{uuid.uuid4().hex[:8]}:",
        "CHAT_ENGINE_FACTORY": chat_engine_factory,
    }
    config.update(overrides)
    return config


class Auth:
    """Request headers for a person, an admin or the service key, for in-process tests (the `auth`
    fixture): the same as Api's, without a server."""

    def __init__(self, settings: Settings) -> None:
        self._api = Api("", settings)

    def headers(self, user_id: str = ALICE, role: str = "user") -> dict[str, str]:
        return self._api.headers(user_id, role)

    @property
    def service(self) -> dict[str, str]:
        return self._api.service

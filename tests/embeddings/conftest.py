"""Fixtures for embedding tests: one local model load per session, a fake Gemini per test."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from support.fake_gemini import FakeGemini


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "local_model: uses the local MiniLM model (loaded once per session)")


@pytest.fixture(scope="session")
def local_model_load() -> dict[str, Any]:
    """Loads the local model once for the session with sockets refused, recording connection attempts."""
    attempts: list[object] = []
    original_connect = socket.socket.connect

    def refuse(self: socket.socket, address: Any) -> None:
        # Unix sockets (the embedded PostgreSQL) stay allowed; anything on the network is refused.
        if self.family != socket.AF_UNIX:
            attempts.append(address)
            raise OSError("network disabled while loading the local model")
        original_connect(self, address)

    from aptichat.embeddings.local import LocalEmbedder, load_model

    socket.socket.connect = refuse  # type: ignore[method-assign]
    try:
        load_model()
        vector = LocalEmbedder().embed_query("warm up")
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
    return {"attempts": attempts, "warmup": vector}


@pytest.fixture()
def fake_gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake

"""The production path: `aptichat api serve` (gunicorn, gthread workers) as a subprocess, with
the real ChatEngine and local embedder, answering JSON, SSE and WebSocket on loopback."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator

import pytest
import requests
import websockets
from support.api import ALICE, bearer, sse_events
from support.processes import gunicorn_api

from aptichat.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gunicorn_url(settings: Settings, people: dict[str, str]) -> Iterator[str]:
    with gunicorn_api({**os.environ, "APTICHAT_DB_POOL_SIZE": "4"}) as url:
        yield url


def test_gunicorn_serves_chat_sse_and_websocket(gunicorn_url: str, settings: Settings) -> None:
    headers = bearer(settings, ALICE)
    ready = requests.get(f"{gunicorn_url}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    r = requests.post(
        f"{gunicorn_url}/chat/question", json={"question": "Which majors fit me?"}, headers=headers, timeout=120
    )
    assert r.status_code == 200 and r.json()["citations"], r.text
    stream = requests.post(
        f"{gunicorn_url}/chat/stream",
        json={"question": "What are my strengths?"},
        headers=headers,
        stream=True,
        timeout=120,
    )
    events = sse_events(stream)
    assert events[-1][0] == "answer" and any(e == "token" for e, _ in events)

    async def over_websocket() -> dict:
        url = gunicorn_url.replace("http://", "ws://") + "/chat/ws"
        async with websockets.connect(url, additional_headers=headers, open_timeout=30, close_timeout=2) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
            await ws.send(json.dumps({"question": "What is my Holland code?"}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 120))
                if frame["type"] in ("answer", "error"):
                    return frame

    frame = asyncio.run(over_websocket())
    assert frame["type"] == "answer" and frame["answer"]
    metrics = requests.get(f"{gunicorn_url}/metrics", timeout=10).text
    assert "aptichat_chat_answers_total" in metrics and "aptichat_unhandled_errors_total 0" in metrics

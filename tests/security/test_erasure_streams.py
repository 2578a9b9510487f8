"""Erasure ends the person's open WebSocket at once (this process: aptichat_api.streams) with a
`user_erased` frame and close 4410, leaves another person's socket open, and a socket whose person
another process erased ends within streams.ERASURE_CHECK_S (the ledger)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import requests
import websockets
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from support.api import Api, app_config, bearer, seed_person, serve

from aptichat.settings import Settings
from aptichat_api import streams

PERSON, OTHER, ADMIN = "sec-jane-0010", "sec-kurt-0011", "sec-admin-0012"


async def _next_close(ws: Any, timeout_s: float) -> tuple[list[dict[str, Any]], int | None, str | None]:
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout_s)))
    except websockets.exceptions.ConnectionClosed as closed:
        received = closed.rcvd
        return frames, (received.code if received else None), (received.reason if received else None)


def test_erasure_closes_the_persons_open_websockets(engine: Engine, settings: Settings) -> None:
    from aptichat.db.repository import DocumentRepository, repository_scope
    from aptichat_api.app import create_app

    for person in (PERSON, OTHER):
        seed_person(engine, settings, person)
    with repository_scope(engine) as repo:
        repo.ensure_user(ADMIN)

    async def scenario(api: Api) -> None:
        url = api.url.replace("http://", "ws://") + "/chat/ws"
        async with (
            websockets.connect(url, additional_headers=bearer(settings, PERSON)) as mine,
            websockets.connect(url, additional_headers=bearer(settings, OTHER)) as theirs,
        ):
            for ws in (mine, theirs):
                assert json.loads(await ws.recv())["type"] == "ready"
            assert streams.open_count(PERSON) == 1
            erased = await asyncio.to_thread(
                requests.delete, f"{api.url}/users/{PERSON}", headers=bearer(settings, ADMIN, "admin"), timeout=30
            )
            assert erased.status_code == 200, erased.text
            frames, code, reason = await _next_close(mine, 5)
            assert [f["error"]["code"] for f in frames] == ["user_erased"]
            assert (code, reason) == (4410, "user_erased")
            assert streams.open_count(PERSON) == 0
            await theirs.send(json.dumps({"question": "What are my strongest skills?"}))
            while (frame := json.loads(await asyncio.wait_for(theirs.recv(), 60)))["type"] == "token":
                pass
            assert frame["type"] == "answer", "the other person's socket is untouched"

            # erased by another process: nothing registered here is called; the socket reads the ledger
            streams.ERASURE_CHECK_S = 0.5
            async with websockets.connect(url, additional_headers=bearer(settings, OTHER)) as later:
                assert json.loads(await later.recv())["type"] == "ready"
                with Session(engine) as session, session.begin():
                    DocumentRepository(session).erase_user(OTHER)
                frames, code, reason = await _next_close(later, 5)
                assert (code, reason) == (4410, "user_erased")

    check = streams.ERASURE_CHECK_S
    try:
        with serve(create_app(app_config(settings))) as url:
            asyncio.run(scenario(Api(url, settings)))
    finally:
        streams.ERASURE_CHECK_S = check

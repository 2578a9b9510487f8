"""An API request over real HTTP: the request id comes back in X-Request-Id, every log line of the
request carries it, the access line is there, and the raw user id is nowhere in the logs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import Engine
from support.api import app_config, bearer, seed_person, serve

from aptichat import logs
from aptichat.settings import Settings

USER = "obs-person-5521"


class Captured:
    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    def text(self) -> str:
        return self.buffer.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text().splitlines() if line.strip()]


@pytest.fixture()
def api_logs() -> Iterator[Captured]:
    """configure_logging("api") as gunicorn workers run it, writing JSON lines to a buffer."""
    from aptichat.logs import configure_logging

    root, werkzeug = logging.getLogger(), logging.getLogger("werkzeug")
    level, werkzeug_level = root.level, werkzeug.level
    buffer = io.StringIO()
    handler = configure_logging("api", fmt="json", stream=buffer, force=True)
    assert handler is not None
    try:
        yield Captured(buffer)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        werkzeug.setLevel(werkzeug_level)


@pytest.fixture(scope="module")
def app(engine: Engine, settings: Settings) -> Flask:
    from aptichat_api.app import create_app

    seed_person(engine, settings, USER)
    app = create_app(app_config(settings))

    @app.get("/__test/log")
    def _emit() -> dict[str, str]:  # a view that logs, as any route may
        import logging

        from aptichat_api.auth import principal_from_request

        principal_from_request()
        logging.getLogger("aptichat_api.test").warning("inside the view for %s", "the caller")
        return {"ok": "yes"}

    return app


@pytest.fixture(scope="module")
def url(app: Flask) -> Iterator[str]:
    with serve(app) as base:
        yield base


def test_request_id_is_echoed_and_on_every_line_without_raw_user_ids(
    url: str, settings: Settings, api_logs: Captured
) -> None:
    headers = {**bearer(settings, USER), "X-Request-Id": "client-req-0001"}
    r = requests.get(f"{url}/users/{USER}/profile", headers=headers, timeout=10)
    assert r.status_code == 200
    assert r.headers["X-Request-Id"] == "client-req-0001"
    r2 = requests.get(
        f"{url}/__test/log", headers={**bearer(settings, USER), "X-Request-Id": "client-req-0002"}, timeout=10
    )
    assert r2.status_code == 200

    lines = api_logs.lines()
    hashed = logs.hash_user(USER)
    first = [line for line in lines if line.get("request_id") == "client-req-0001"]
    (access,) = [line for line in first if line["logger"] == "aptichat_api.access"]
    assert access["method"] == "GET" and access["status"] == 200 and access["user"] == hashed
    assert access["path"] == f"/users/~{hashed}/profile" and access["endpoint"] == "users.profile"
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0

    second = [line for line in lines if line.get("request_id") == "client-req-0002"]
    assert {line["logger"] for line in second} == {"aptichat_api.test", "aptichat_api.access"}
    assert all(line["user"] == hashed for line in second)

    assert USER not in api_logs.text()
    assert all(line.get("request_id") for line in lines if line["logger"].startswith("aptichat_api"))


def test_missing_or_unsafe_request_ids_are_replaced(url: str, settings: Settings, api_logs: Captured) -> None:
    for sent in (None, "short", "has spaces in it", "x" * 200, "evil\u00e9-id-0001"):
        headers = {} if sent is None else {"X-Request-Id": sent.encode("utf-8").decode("latin-1")}
        r = requests.get(f"{url}/healthz", headers=headers, timeout=10)
        rid = r.headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid), (sent, rid)
        assert any(line.get("request_id") == rid and line["status"] == 200 for line in api_logs.lines())


def test_unmatched_paths_are_not_logged_raw(url: str, settings: Settings, api_logs: Captured) -> None:
    r = requests.get(f"{url}/users/{USER}/nothing-here", headers=bearer(settings, USER), timeout=10)
    assert r.status_code == 404 and r.headers["X-Request-Id"]
    (access,) = [line for line in api_logs.lines() if line.get("request_id") == r.headers["X-Request-Id"]]
    assert access["path"] is None and access["endpoint"] == "unmatched" and access["status"] == 404
    assert USER not in api_logs.text()

"""The app database restarting under API load: gunicorn in front of an embedded server of its own
(a dedicated APTICHAT_HOME), `aptichat db stop` while clients keep asking, `aptichat db start` again.

While the database is down every answer is a JSON 503 `database_unavailable` (never a 500, never a
hang); after the restart the API recovers by itself (the pool's pre-ping drops dead connections);
no message is stored twice and every 200 names a message that is really stored.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select
from support.api import bearer, seed_person
from support.processes import aptichat_cli, gunicorn_api

from aptichat.db.models import ChatMessage
from aptichat.db.server import app_url
from aptichat.settings import Settings

pytestmark = pytest.mark.slow
USER = "restart-0001"
CLIENTS = 4


@dataclass
class Outcome:
    question: str
    status: int
    code: str | None
    message_id: int | None
    seconds: float
    phase: str


@pytest.fixture()
def own_home(tmp_path: Path, settings: Settings) -> Iterator[tuple[dict[str, str], Settings]]:
    home = tmp_path / "home"
    env = {
        **os.environ,
        "APTICHAT_HOME": str(home),
        "APTICHAT_DB_POOL_SIZE": "4",
        "APTICHAT_RATE_LIMIT_USER": "100000/minute",
        "APTICHAT_RATE_LIMIT_IP": "100000/minute",
    }
    own = settings.model_copy(update={"home": home})
    aptichat_cli(env, "db", "upgrade")
    try:
        yield env, own
    finally:
        aptichat_cli(env, "db", "stop")


def test_api_answers_503_while_the_database_is_down_and_recovers(own_home: tuple[dict[str, str], Settings]) -> None:
    env, own = own_home
    app_engine = create_engine(app_url(own))
    seed_person(app_engine, own, USER)
    app_engine.dispose()
    headers = bearer(own, USER)
    outcomes: list[Outcome] = []
    phase = ["up"]
    stop = threading.Event()
    counter = iter(range(1_000_000))
    lock = threading.Lock()

    with gunicorn_api(env) as url:

        def ask() -> Outcome:
            with lock:
                n = next(counter)
            question = f"Which careers fit me best, question number {n}?"
            started = time.perf_counter()
            at = phase[0]
            r = requests.post(f"{url}/chat/question", json={"question": question}, headers=headers, timeout=60)
            body = r.json()  # every answer, errors included, is JSON
            outcome = Outcome(
                question,
                r.status_code,
                (body.get("error") or {}).get("code"),
                body.get("message_id"),
                time.perf_counter() - started,
                at,
            )
            with lock:
                outcomes.append(outcome)
            return outcome

        def client() -> None:
            while not stop.is_set():
                ask()

        assert ask().status == 200  # the first question loads the engine and the local model
        threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        try:
            _wait(lambda: sum(o.status == 200 for o in outcomes) >= 10, "answers before the stop")
            phase[0] = "stopping"
            aptichat_cli(env, "db", "stop")
            phase[0] = "down"
            _wait(lambda: sum(o.phase == "down" for o in outcomes) >= 10, "answers while down")
            phase[0] = "starting"
            aptichat_cli(env, "db", "start")
            phase[0] = "restarted"
            _wait(lambda: sum(o.phase == "restarted" and o.status == 200 for o in outcomes) >= 10, "recovery")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=90)
        after = [ask() for _ in range(5)]
        metrics = requests.get(f"{url}/metrics", timeout=10).text

    statuses = Counter(o.status for o in outcomes)
    assert set(statuses) <= {200, 503}, statuses
    down = [o for o in outcomes if o.phase == "down"]
    assert down and all(o.status == 503 for o in down), Counter(o.status for o in down)
    assert {o.code for o in outcomes if o.status == 503} == {"database_unavailable"}
    assert all(o.status == 200 for o in after)
    assert "aptichat_unhandled_errors_total 0" in metrics

    check = create_engine(app_url(own))
    try:
        with check.connect() as conn:
            rows = conn.execute(
                select(ChatMessage.id, ChatMessage.conversation_id, ChatMessage.role, ChatMessage.text).where(
                    ChatMessage.user_id == USER
                )
            ).all()
    finally:
        check.dispose()
    questions = Counter(r.text for r in rows if r.role == "user")
    assert max(questions.values()) == 1, "a question was stored twice"
    per_conversation = Counter((r.conversation_id, r.role) for r in rows)
    assert max(per_conversation.values()) == 1, "a conversation got a message twice"
    stored = {r.id for r in rows}
    answered = [o for o in outcomes + after if o.status == 200]
    assert all(o.message_id in stored for o in answered)
    assert {o.question for o in answered} <= set(questions)
    down_s = sorted(o.seconds for o in down)
    median = down_s[len(down_s) // 2]
    print(f"\n{len(outcomes)} requests, {dict(statuses)}; while down: {len(down)} x 503, median {median:.3f}s")


def _wait(predicate, what: str, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)

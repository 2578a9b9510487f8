"""Fixtures of the browser tests: the API on a loopback server with its own people (a student with
every document, one whose results are being prepared, one whose test was rejected, staff), one headless
Chromium per test module, and helpers to sign in, open a page and check it with axe-core.

Sign-in goes through a real sign-in link (`/#signin=<code>`) when the app has POST /auth/exchange;
otherwise through the developer's bearer-token form."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from sqlalchemy import Engine, text
from support.api import GAPS, Api, HashEmbedder, app_config, seed_person, serve, token
from support.chromium import CHROMIUM, SKIP_REASON, Page, chromium_page

from aptichat.settings import Settings

STUDENT, WAITING, REJECTED, PRIVATE, PARTIAL = "maya-0101", "noah-0102", "lena-0103", "omar-0104", "ines-0105"
COUNSELLOR, OTHER_COUNSELLOR, ADMIN = "counsellor-0201", "counsellor-0202", "admin-0203"
NAMES = {STUDENT: "Maya", WAITING: "Noah", REJECTED: "Lena", PRIVATE: "Omar", PARTIAL: "Ines"}
MISSING_ROUTE = "backend route missing"
SHARED_QUESTION = "Which majors suit my interests?"


# each test module: `pytestmark = NEEDS_CHROMIUM` (a collection hook here would see the whole suite's items)
NEEDS_CHROMIUM = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)


@pytest.fixture(scope="session")
def web_people(engine: Engine, settings: Settings) -> dict[str, str]:
    """maya and omar have every document, noah's results are being prepared, lena's test was rejected,
    ines's test did not measure enough for her majors."""
    from aptichat.db.etl_jobs import create_job
    from aptichat.db.repository import repository_scope

    with repository_scope(engine) as repo:
        for user_id, name in NAMES.items():
            repo.ensure_user(user_id, display_name=name)
    seed_person(engine, settings, STUDENT)
    seed_person(engine, settings, PRIVATE)
    seed_person(engine, settings, PARTIAL, gaps=GAPS)
    retest(engine, settings, PRIVATE)  # omar took the test again: version 2 of his personality profile
    # noah's job is running and lena's rejected: neither is `requested`, so no request sensor another
    # test runs on this session's database ever claims them
    waiting, _ = create_job(engine, WAITING, "reprocess")
    rejected, _ = create_job(engine, REJECTED, "reprocess")
    with engine.begin() as conn:
        running = "UPDATE chat_etl_jobs SET status = 'running', started_at = now() WHERE id = :id"
        conn.execute(text(running), {"id": waiting.id})
        refused = "UPDATE chat_etl_jobs SET status = 'rejected', finished_at = now() WHERE id = :id"
        conn.execute(text(refused), {"id": rejected.id})
    return NAMES


def retest(engine: Engine, settings: Settings, user_id: str) -> None:
    """A second personality profile for `user_id`: openness 82 -> 91, Artistic 58 -> 75, Holland code
    SIA -> SAI (the rest as the example's)."""
    from aptichat.db.repository import write_documents
    from aptichat.documents import ChunkInput, example_documents

    first = next(d for d in example_documents(user_id) if d.document_type == "personality_profile")
    raw = first.model_dump(mode="json", exclude={"content_hash"})
    for tendency in raw["content"]["tendencies"]:
        if tendency["scale"] == "openness":
            tendency["percentile"] = 91.0
    raw["content"]["interests"]["scores"]["A"] = 75.0
    raw["content"]["interests"]["holland_code"] = "SAI"
    doc = type(first).model_validate(raw)
    embedder = HashEmbedder(settings.embedding_dim)
    sections = doc.sections()
    vectors = embedder.embed_documents([f"{s.title} {s.text}" for s in sections])
    chunks = [
        ChunkInput(i, s.section_id, s.title, s.text, vectors[i], settings.embedding_model)
        for i, s in enumerate(sections)
    ]
    write_documents(user_id, [(doc, chunks)], engine=engine)


@pytest.fixture(scope="session")
def product_key() -> rsa.RSAPrivateKey:
    """The test product's own key, which signs its /launch codes."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def web_app(engine: Engine, settings: Settings, web_people: dict[str, str], product_key: rsa.RSAPrivateKey) -> Flask:
    from aptichat_api.app import create_app

    pem = product_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return create_app(app_config(settings.model_copy(update={"launch_public_key": pem.decode()})))


def launch_code(key: rsa.RSAPrivateKey, user_id: str) -> str:
    """What the test product sends the student to /launch with: an RS256 code living two minutes."""
    now = int(time.time())
    claims = {"sub": user_id, "aud": "aptichat-launch", "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, key, algorithm="RS256")


def has_route(app: Flask, rule: str, method: str = "GET") -> bool:
    return any(r.rule == rule and method in (r.methods or ()) for r in app.url_map.iter_rules())


def require_route(app: Flask, rule: str, method: str = "GET") -> None:
    """Skip (MISSING_ROUTE) only when the backend truly lacks the route."""
    if not has_route(app, rule, method):
        pytest.skip(f"{MISSING_ROUTE}: {method} {rule}")


@pytest.fixture(scope="session")
def web(web_app: Flask, settings: Settings) -> Iterator[Api]:
    with serve(web_app) as url:
        yield Api(url, settings)


@pytest.fixture(scope="session")
def staff(web_app: Flask, web: Api, engine: Engine) -> dict[str, str]:
    """Two counsellors (the first has maya, noah, lena and omar; maya shares her conversations and has
    asked a question) and an administrator."""
    require_route(web_app, "/counsellor/students")
    import requests
    from sqlalchemy.orm import Session

    from aptichat_api import counsellors, sessions

    with Session(engine) as session, session.begin():
        sessions.ensure_staff(session, COUNSELLOR, "counsellor", "Ms Rivera")
        sessions.ensure_staff(session, OTHER_COUNSELLOR, "counsellor", "Mr Chen")
        sessions.ensure_staff(session, ADMIN, "admin", "Admin Ada")
        counsellors.assign(session, COUNSELLOR, list(NAMES), assigned_by=ADMIN)
    shared = requests.put(
        f"{web.url}/users/{STUDENT}/settings",
        json={"share_conversations": True},
        headers=web.headers(STUDENT),
        timeout=30,
    )
    assert shared.status_code == 200, shared.text
    asked = requests.post(
        f"{web.url}/chat/question", json={"question": SHARED_QUESTION}, headers=web.headers(STUDENT), timeout=60
    )
    assert asked.status_code == 200, asked.text
    return {"counsellor": COUNSELLOR, "other": OTHER_COUNSELLOR, "admin": ADMIN}


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    """One Chromium per test module; tests reuse its page."""
    with chromium_page(width=1280, height=900) as page:
        yield page


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: docs/ under `make screenshots` (APTICHAT_SCREENSHOT_DIR), else a temp dir."""
    folder = os.environ.get("APTICHAT_SCREENSHOT_DIR")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


def open_page(page: Page, url: str) -> None:
    """Navigate and wait until the app has drawn its route (a fresh document, not the previous one)."""
    page.js("window.__leaving = true")
    page.send("Page.navigate", url=url)
    page.wait_for("!window.__leaving && document.body && document.body.dataset.ready === 'true'")


def go(page: Page, path: str) -> None:
    """Move inside the app as a click on one of its links does (history.pushState, no reload)."""
    page.js(
        f"(() => {{ const a = document.createElement('a'); a.href = {json.dumps(path)}; a.dataset.link = '';"
        " document.body.appendChild(a); a.click(); a.remove(); })()"
    )
    page.wait_for("document.getElementById('main').getAttribute('aria-busy') !== 'true'")


@dataclass
class Ui:
    """The browser (one page), the API it talks to, and the database behind it."""

    page: Page
    web: Api
    app: Flask
    engine: Engine
    shots: Path

    def code(self, *, user_id: str | None = None, staff_id: str | None = None) -> str:
        """A fresh one-time sign-in code, as `aptichat signin link` makes one."""
        from sqlalchemy.orm import Session

        from aptichat_api import sessions

        with Session(self.engine) as session, session.begin():
            return sessions.create_signin_code(session, user_id=user_id, staff_id=staff_id)

    def sign_in(self, *, user_id: str | None = None, staff_id: str | None = None) -> None:
        """Open a sign-in link (or, without the exchange route, use a bearer token as a developer would)."""
        if has_route(self.app, "/auth/exchange", "POST"):
            code = self.code(user_id=user_id, staff_id=staff_id)
            self.page.goto("about:blank")  # a fresh load, as clicking a link in a mail is
            open_page(self.page, f"{self.web.url}/#signin={code}")
        else:
            assert user_id is not None, "staff sign in needs POST /auth/exchange"
            open_page(self.page, self.web.url + "/")
            self.page.js(f"sessionStorage.setItem('aptichat-token', {json.dumps(token(self.web.settings, user_id))})")
            open_page(self.page, self.web.url + "/")
        self.page.wait_for("!!document.getElementById('sign-out')")

    def open(self, path: str) -> None:
        """Load a page of the app from its URL (a reload when it is the current one)."""
        open_page(self.page, self.web.url + path)

    def go(self, path: str) -> None:
        go(self.page, path)

    def shot(self, name: str, full_page: bool = False) -> None:
        assert self.page.screenshot(self.shots / name, full_page=full_page) > 5_000


@pytest.fixture
def ui(page: Page, web: Api, web_app: Flask, engine: Engine, shots: Path) -> Ui:
    return Ui(page, web, web_app, engine, shots)


def assert_accessible(page: Page, name: str) -> None:
    """axe-core in the page reports no serious or critical violation."""
    violations = page.blocking_violations()
    assert not violations, f"{name}: axe-core found\n" + json.dumps(violations, indent=1)


def settle(seconds: float = 0.3) -> None:
    time.sleep(seconds)

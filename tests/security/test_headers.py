"""Browser-facing hardening: the Content-Security-Policy and friends on the chat page, an API route and
error responses; pages with no inline script, style or handler for the policy to forbid; CORS off by
default and, when configured, only for the listed origins; tokens never in a URL that reaches a log."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.api import app_config, bearer
from support.security import ALICE

from aptichat.secrets import UnsafeConfiguration
from aptichat.settings import Settings

STATIC = Path(__file__).resolve().parents[2] / "aptichat_api" / "static"
NGINX_CONF = Path(__file__).resolve().parents[2] / "docker" / "nginx" / "aptichat.conf"
ALLOWED = "https://school.example.org"
EVIL = "https://evil.example.com"


def make_app(settings: Settings, **overrides: object) -> Flask:
    from aptichat_api.app import create_app

    return create_app(app_config(settings.model_copy(update=overrides)))


@pytest.fixture(scope="module")
def client(settings: Settings, security_people: dict[str, str]) -> FlaskClient:
    return make_app(settings).test_client()


@pytest.fixture(scope="module")
def cors_client(settings: Settings, security_people: dict[str, str]) -> FlaskClient:
    return make_app(settings, cors_origins=f"{ALLOWED}, http://localhost:5173/").test_client()


def policy(header: str) -> dict[str, list[str]]:
    """A CSP header as directive -> sources."""
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def check_common(headers: object) -> dict[str, list[str]]:
    assert headers["X-Frame-Options"] == "DENY"  # type: ignore[index]
    assert headers["Referrer-Policy"] == "no-referrer"  # type: ignore[index]
    assert headers["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    csp = policy(headers["Content-Security-Policy"])  # type: ignore[index]
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    return csp


def test_chat_page_policy_allows_only_our_own_files(client: FlaskClient) -> None:
    for path in ("/", "/docs"):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == "text/html"
        csp = check_common(r.headers)
        assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
        # the chat WebSocket may reach this host only
        assert set(csp["connect-src"]) == {"'self'", "ws://localhost", "wss://localhost"}
        assert not any("unsafe" in source or source == "*" for sources in csp.values() for source in sources)


def test_api_route_and_errors_carry_the_headers(client: FlaskClient) -> None:
    ok = client.get(f"/users/{ALICE}/profile", headers=bearer(client.application.config["SETTINGS"], ALICE))
    assert ok.status_code == 200
    csp = check_common(ok.headers)
    assert csp["default-src"] == ["'none'"]
    assert ok.headers["Cache-Control"] == "no-store"  # a person's data stays off shared caches
    for response in (
        client.get(f"/users/{ALICE}/profile"),  # 401 from our handler
        client.get("/no/such/route"),  # 404 from werkzeug
        client.post("/chat/question", data="{", content_type="application/json"),  # 401 before the body
        client.get("/chat/ws"),  # 400 websocket_required
    ):
        assert response.status_code >= 400 and response.is_json
        assert policy(response.headers["Content-Security-Policy"])["default-src"] == ["'none'"]
        check_common(response.headers)


class _InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]
        urls = [value for _, value in attrs if (value or "").strip().lower().startswith("javascript:")]
        self.found += [f"{tag} javascript: URL" for _ in urls]


@pytest.mark.parametrize("page", ["index.html", "docs.html"])
def test_pages_have_no_inline_script_style_or_handlers(page: str) -> None:
    finder = _InlineFinder()
    finder.feed((STATIC / page).read_text())
    assert finder.found == []


def test_scripts_never_evaluate_strings_or_write_inline_styles() -> None:
    for script in STATIC.glob("*.js"):
        source = script.read_text()
        assert not re.search(r"\beval\(|new Function\(|setAttribute\(\s*[\"']style|\.cssText|on\w+=\\?[\"']", source)


def test_cors_is_off_unless_configured(client: FlaskClient) -> None:
    r = client.get("/healthz", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in r.headers
    preflight = client.options(
        "/chat/question",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert not any(name.startswith("Access-Control-Allow") for name, _ in preflight.headers.items())


def test_cors_allows_only_the_configured_origins(cors_client: FlaskClient) -> None:
    settings = cors_client.application.config["SETTINGS"]
    for origin in (ALLOWED, "http://localhost:5173"):
        preflight = cors_client.options(
            "/chat/question",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == origin
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
        # the service key is not for browsers
        assert "X-API-Key" not in preflight.headers["Access-Control-Allow-Headers"]
        assert "Access-Control-Allow-Credentials" not in preflight.headers
        r = cors_client.get(f"/users/{ALICE}/profile", headers={"Origin": origin, **bearer(settings, ALICE)})
        assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == origin
        assert "Origin" in r.headers.get_all("Vary") or "Origin" in r.headers["Vary"]
        assert "Access-Control-Allow-Credentials" not in r.headers
    # another origin: no CORS headers on the preflight or the response, so the browser refuses
    preflight = cors_client.options("/chat/question", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    r = cors_client.get(f"/users/{ALICE}/profile", headers={"Origin": EVIL, **bearer(settings, ALICE)})
    assert "Access-Control-Allow-Origin" not in r.headers
    # a page without an Origin (same origin) is unaffected
    assert "Access-Control-Allow-Origin" not in cors_client.get("/").headers


@pytest.mark.parametrize(
    "value", ["*", "null", "https://school.example.org/path", "school.example.org", "https://*.org"]
)
def test_a_cors_list_that_allows_more_than_it_says_stops_the_start(settings: Settings, value: str) -> None:
    with pytest.raises(UnsafeConfiguration, match="APTICHAT_CORS_ORIGINS"):
        make_app(settings, cors_origins=value)


def test_a_token_in_the_query_string_is_neither_accepted_nor_logged(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = bearer(client.application.config["SETTINGS"], ALICE)["Authorization"].split()[1]
    with caplog.at_level(logging.DEBUG):
        for path in (f"/users/{ALICE}/profile", "/chat/history", "/no/such/route", "/"):
            r = client.get(f"{path}?token={secret}&access_token={secret}")
            assert r.status_code in (200, 401, 404)
            if path != "/":
                assert r.status_code != 200  # a query token is never a credential
    access = [rec for rec in caplog.records if rec.name == "aptichat_api.access"]
    assert len(access) == 4
    for record in caplog.records:
        assert secret not in record.getMessage() and secret not in str(vars(record))
        assert ALICE not in record.getMessage()  # and the user id in a path is hashed


def test_the_page_never_puts_a_token_in_a_url() -> None:
    # the web app's modules: app.js and static/js/*.js (the chat's WebSocket lives in js/chat.js)
    source = "\n".join(p.read_text() for p in [STATIC / "app.js", *sorted((STATIC / "js").glob("*.js"))])
    assert not re.search(r"[?&](access_)?token=", source)
    assert 'new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/ws")' in source


def test_the_proxy_logs_no_request_line() -> None:
    conf = NGINX_CONF.read_text()
    directives = re.findall(r"^\s*(access_log|log_format)\s+([^;]*);", conf, flags=re.M)
    assert ("access_log", "off") in directives
    for name, value in directives:
        assert name != "log_format" or not re.search(r"\$(request|request_uri|args|query_string|arg_\w+)\b", value)
        assert name != "access_log" or value == "off"

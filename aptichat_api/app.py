"""The Flask application factory."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request

from aptichat.settings import Settings
from aptichat_api import db, limits, metrics
from aptichat_api.config import build_config
from aptichat_api.errors import register_error_handlers


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the API. `test_config` overrides config keys; pass `SETTINGS` to use other Settings."""
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    settings: Settings | None = (test_config or {}).get("SETTINGS")
    app.config.from_mapping(build_config(settings))
    if test_config:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the schema's field order

    proxies = app.config["SETTINGS"].trusted_proxies
    if proxies:
        # behind nginx, per-IP rate limits must see the client, not the proxy
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    register_error_handlers(app)
    app.before_request(_start_timer)
    limits.init_app(app)
    db.init_app(app)
    _register_blueprints(app)
    app.after_request(_finish)
    return app


def _register_blueprints(app: Flask) -> None:
    from aptichat_api.blueprints import admin, chat, events, feedback, health, jobs, pages, users
    from aptichat_api.blueprints.chat_ws import sock

    for bp in (chat.bp, feedback.bp, users.bp, jobs.bp, events.bp, admin.bp):
        limits.limit_blueprint(bp)
        app.register_blueprint(bp)
    for bp in (health.bp, pages.bp):
        limits.exempt_blueprint(bp)
        app.register_blueprint(bp)
    sock.init_app(app)


def _start_timer() -> None:
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"
    metrics.REQUESTS.inc(endpoint, request.method, str(response.status_code))
    if "started" in g:
        metrics.LATENCY.observe(time.perf_counter() - g.started, endpoint)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response

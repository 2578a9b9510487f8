"""The Flask application factory."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

from aptichat import logs
from aptichat.secrets import user_salt
from aptichat.settings import Settings
from aptichat_api import database, headers, limits, metrics
from aptichat_api.auth import check_auth_config
from aptichat_api.chat_service import chat_service
from aptichat_api.config import build_config
from aptichat_api.errors import register_error_handlers


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the API. `test_config` overrides config keys; pass `SETTINGS` to use other Settings."""
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    settings: Settings | None = (test_config or {}).get("SETTINGS")
    app.config.from_mapping(build_config(settings))
    if test_config:
        app.config.from_mapping(test_config)
    check_auth_config(app.config["SETTINGS"])  # refuse to start with a missing or weak secret
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the schema's field order
    logs.set_user_salt(user_salt(app.config["SETTINGS"]))

    proxies = app.config["SETTINGS"].trusted_proxies
    if proxies:
        # behind nginx, per-IP rate limits must see the client, not the proxy
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    register_error_handlers(app)
    app.before_request(_start_timer)
    limits.init_app(app)
    headers.init_app(app)  # CSP, framing, referrer, CORS (off unless configured)
    database.init_app(app)
    chat_service.init_app(app)
    _register_blueprints(app)
    app.after_request(_finish)
    app.teardown_request(_end_log_context)
    return app


def _register_blueprints(app: Flask) -> None:
    from aptichat_api.blueprints import (
        admin,
        chat,
        chat_ws,
        conversations,
        counsellor,
        events,
        feedback,
        health,
        jobs,
        pages,
        session,
        users,
    )

    limited = (chat.bp, chat_ws.bp, feedback.bp, users.bp, jobs.bp, events.bp, admin.bp)
    for bp in (*limited, session.bp, conversations.bp, counsellor.bp):
        limits.limit_blueprint(bp)
        app.register_blueprint(bp)
    for bp in (health.bp, pages.bp):
        limits.exempt_blueprint(bp)
        app.register_blueprint(bp)
    chat_ws.sock.init_app(app)


access_log = logging.getLogger("aptichat_api.access")
# an incoming X-Request-Id is kept when it looks like an id (a proxy's or client's correlation id);
# anything else (too long, spaces, control characters) is replaced, so logs never carry injected text
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def _start_timer() -> None:
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
    g.log_token = logs.bind(request_id=g.request_id)


def _end_log_context(_exc: BaseException | None) -> None:
    token = g.pop("log_token", None)  # a streamed response tears down twice (stream_with_context)
    if token is not None:
        logs.unbind(token)


def _logged_path() -> str | None:
    """The path with any user id in it replaced by its hash; None for an unmatched path (it may hold
    anything, user ids included)."""
    if request.url_rule is None:
        return None
    args = dict(request.view_args or {})
    if "user_id" in args:
        args["user_id"] = "~" + logs.hash_user(str(args["user_id"]))
    try:
        return request.url_rule.build(args, append_unknown=False)[1]  # type: ignore[index]
    except Exception:
        return request.url_rule.rule


def _finish(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"
    metrics.REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if "started" in g:
        metrics.LATENCY.labels(endpoint).observe(time.perf_counter() - g.started)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    if not access_log.isEnabledFor(logging.INFO):
        return response
    principal = g.get("principal")
    user = logs.hash_user(principal.user_id) if principal is not None and principal.user_id else None
    path = _logged_path()
    # one line per request (the duration of a streamed response is its time to the first byte)
    access_log.info(
        "%s %s %s",
        request.method,
        path or endpoint,
        response.status_code,
        extra={
            "method": request.method,
            "path": path,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.started) * 1000, 2) if "started" in g else None,
            "user": user,
        },
    )
    return response

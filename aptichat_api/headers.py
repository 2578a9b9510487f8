"""Browser-facing hardening on every response: a Content-Security-Policy (the pages run only our own
files: no inline script or style, no plugins, no framing), X-Frame-Options, Referrer-Policy, no
caching of answers to credentialed requests, and CORS that is off unless APTICHAT_CORS_ORIGINS names
the origins allowed (then only those, without credentials, with preflights answered here).

Tokens travel in the Authorization header (or the WebSocket's first frame), never in a URL: the
access line logs the route without its query string (app._logged_path), gunicorn's access log is off
(cli.py) and nginx logs no request line (docker/nginx/aptichat.conf). docs/security.md has the why.
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request

from aptichat.secrets import UnsafeConfiguration
from aptichat.settings import Settings, env_name

# The chat page and /docs: our scripts, styles and images only; fetch/XHR to ourselves; the chat
# WebSocket to this same host (CSP2 browsers do not let 'self' cover ws:/wss:).
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' {ws}; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# JSON, SSE and everything else: nothing to load, nothing to frame.
API_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

# What a cross-origin page may send and read (the service key is server-to-server: not listed).
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE"
CORS_REQUEST_HEADERS = "Authorization, Content-Type, X-Request-Id"
CORS_EXPOSED_HEADERS = "X-Request-Id, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
CORS_MAX_AGE_S = "600"
ORIGIN_RE = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def cors_origins(settings: Settings) -> frozenset[str]:
    """The configured origins; a wildcard, `null`, a path or anything not scheme://host[:port] stops
    the start (an allow-list that allows more than it says is worse than none)."""
    raw = settings.cors_origins or ""
    origins = frozenset(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for origin in origins:
        if not ORIGIN_RE.fullmatch(origin):
            raise UnsafeConfiguration(
                f"{env_name('cors_origins')}: {origin!r} is not an origin (scheme://host[:port]; no wildcard, "
                "no path, no `null`)"
            )
    return origins


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin")
    allowed: frozenset[str] = current_app.extensions["aptichat_cors_origins"]
    return origin if origin is not None and origin in allowed else None


def _preflight() -> Response | None:
    """Answer a CORS preflight from an allowed origin; anything else goes on to routing (where a
    disallowed origin gets no CORS headers, so the browser refuses the real request)."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    origin = _allowed_origin()
    if origin is None:
        return None
    response = current_app.response_class(status=204)
    response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
    response.headers["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
    response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE_S
    return response


def _harden(response: Response) -> Response:
    headers = response.headers
    if response.mimetype == "text/html":
        ws = f"ws://{request.host} wss://{request.host}"
        headers["Content-Security-Policy"] = PAGE_POLICY.format(ws=ws)
    else:
        headers["Content-Security-Policy"] = API_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    credentialed = "Authorization" in request.headers or "aptichat_session" in request.cookies  # a browser session
    if credentialed and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # a person's answers and documents stay off shared disks
    if current_app.extensions["aptichat_cors_origins"]:
        headers.add("Vary", "Origin")
        origin = _allowed_origin()
        if origin is not None:
            headers["Access-Control-Allow-Origin"] = origin  # never `*`, never with credentials
            headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    return response


def init_app(app: Flask) -> None:
    app.extensions["aptichat_cors_origins"] = cors_origins(app.config["SETTINGS"])
    app.before_request(_preflight)
    app.after_request(_harden)

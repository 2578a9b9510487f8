"""Flask configuration: `aptichat.settings.Settings` mapped to the Flask and extension keys. Nothing
here reads the environment; every variable is declared in Settings."""

from __future__ import annotations

from typing import Any

from aptichat.settings import Settings, get_settings


def build_config(settings: Settings | None = None) -> dict[str, Any]:
    """The app.config mapping: our keys in APTICHAT_* style plus the Flask/extension ones."""
    settings = settings or get_settings()
    return {
        "SETTINGS": settings,
        "MAX_CONTENT_LENGTH": settings.api_max_body,
        "JSON_SORT_KEYS": False,
        # Per authenticated user on the API's own routes, and per client address on every route.
        "RATE_LIMIT_USER": settings.rate_limit_user,
        "RATE_LIMIT_IP": settings.rate_limit_ip,
        # Distinguishes the counters of several apps sharing one process and storage (tests).
        "RATE_LIMIT_NAMESPACE": "",
        "RATELIMIT_STORAGE_URI": settings.rate_limit_storage_uri,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        # The counters live in our PostgreSQL: while it is down the request itself answers 503
        # database_unavailable, so a failing counter must not turn that into a 500 (fail open).
        "RATELIMIT_SWALLOW_ERRORS": True,
        # The chat page and /docs are static; the engine is built on first question.
        "CHAT_ENGINE_FACTORY": None,
        # chat_ws refuses messages over MAX_CONTENT_LENGTH with an error frame; past twice that the
        # transport closes 1009 by itself, so no oversized message is ever buffered whole
        "SOCK_SERVER_OPTIONS": {"ping_interval": 25, "max_message_size": 2 * settings.api_max_body},
    }

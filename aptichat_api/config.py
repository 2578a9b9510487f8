"""Flask configuration, built from `aptichat.settings.Settings` plus the few knobs only the HTTP
layer has (body size, rate limits), all read from the environment."""

from __future__ import annotations

import os
from typing import Any

from aptichat.settings import Settings, get_settings

# Questions are short; the largest legitimate body is a feedback comment. 64 KiB leaves room and
# keeps a hostile client from making us parse megabytes.
DEFAULT_MAX_BODY = 64 * 1024


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value else default


def build_config(settings: Settings | None = None) -> dict[str, Any]:
    """The app.config mapping: our keys in APTICHAT_* style plus the Flask/extension ones."""
    settings = settings or get_settings()
    return {
        "SETTINGS": settings,
        "MAX_CONTENT_LENGTH": int(_env("APTICHAT_API_MAX_BODY", str(DEFAULT_MAX_BODY))),
        "JSON_SORT_KEYS": False,
        # Per authenticated user on the API's own routes, and per client address on every route.
        "RATE_LIMIT_USER": _env("APTICHAT_RATE_LIMIT_USER", "120/minute;2000/hour"),
        "RATE_LIMIT_IP": _env("APTICHAT_RATE_LIMIT_IP", "600/minute"),
        # Distinguishes the counters of several apps sharing one process and storage (tests).
        "RATE_LIMIT_NAMESPACE": "",
        "RATELIMIT_STORAGE_URI": settings.rate_limit_storage_uri,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        # The chat page and /docs are static; the engine is built on first question.
        "CHAT_ENGINE_FACTORY": None,
        "SOCK_SERVER_OPTIONS": {"ping_interval": 25, "max_message_size": DEFAULT_MAX_BODY},
    }

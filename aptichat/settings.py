"""Every setting AptiChat reads from the environment, in one place (see docs/configuration.md)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

LOCAL_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
LOCAL_EMBEDDING_DIM = 384


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Settings(BaseModel):
    """Runtime configuration. Build with `Settings.from_env()`; tests pass overrides directly."""

    home: Path = Field(default=Path(".aptichat"), description="APTICHAT_HOME: embedded data lives here")
    database_url: str | None = Field(default=None, description="APTICHAT_DATABASE_URL")
    legacy_database_url: str | None = Field(default=None, description="APTICHAT_LEGACY_DATABASE_URL")
    app_db_name: str = "aptichat"
    legacy_db_name: str = "aptitude_legacy"
    dagster_db_name: str = "dagster"
    db_pool_size: int = 10

    embeddings: Literal["local", "gemini"] = "local"
    llm: Literal["offline", "gemini"] = "offline"
    gemini_api_key: str | None = None
    gemini_base_url: str | None = None
    gemini_embedding_model: str = "gemini-embedding-001"
    gemini_embedding_dim: int = 768
    gemini_answer_model: str = "gemini-2.5-flash"
    gemini_timeout_s: float = 30.0
    gemini_max_attempts: int = 4
    gemini_retry_initial_delay_s: float = 1.0
    gemini_retry_max_delay_s: float = 30.0
    gemini_embedding_batch_size: int = 100
    gemini_requests_per_minute: int = 600
    gemini_tokens_per_minute: int = 1_000_000
    query_cache_size: int = 2048
    # chat: longest question accepted (longer ones get 422 question_too_long) and longest answer produced
    max_question_chars: int = Field(default=2000, ge=1)
    max_answer_chars: int = Field(default=1800, ge=100)
    local_embedding_threads: int | None = None

    # pipeline: how much work one sensor tick takes, how many users share one run, tick interval
    sensor_max_per_tick: int = Field(default=500, ge=1)
    users_per_run: int = Field(default=50, ge=1)
    sensor_interval_s: int = Field(default=5, ge=1)
    demo_users: int = Field(default=60, ge=0)

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # 32+ bytes, so PyJWT accepts it for HS256 without an InsecureKeyLengthWarning; never for production
    jwt_secret: str = "dev-insecure-change-me-please-0123456789"
    jwt_public_key: str | None = None
    service_api_key: str = "dev-service-key"
    rate_limit_storage_uri: str = "memory://"
    # how many reverse proxies (nginx) sit in front of the API; their X-Forwarded-For is then trusted
    trusted_proxies: int = 0
    admin_webhook_url: str | None = None
    # A/B experiments: name -> variants; APTICHAT_EXPERIMENTS='{"prompt": ["v1", "v2"]}'
    experiments: dict[str, list[str]] = Field(default_factory=lambda: {"prompt": ["v1", "v2"]})

    # logs: json|text (unset: json for the API and the pipeline, text for the CLI); salt of the user hash
    log_format: Literal["json", "text"] | None = None
    log_user_salt: str = "aptichat-dev-log-salt"

    @property
    def embedding_model(self) -> str:
        return LOCAL_EMBEDDING_MODEL if self.embeddings == "local" else self.gemini_embedding_model

    @property
    def embedding_dim(self) -> int:
        return LOCAL_EMBEDDING_DIM if self.embeddings == "local" else self.gemini_embedding_dim

    @property
    def pgdata(self) -> Path:
        return self.home.resolve() / "pgdata"

    @property
    def embedded(self) -> bool:
        """True when the app database is the embedded server (no APTICHAT_DATABASE_URL)."""
        return self.database_url is None

    @classmethod
    def from_env(cls) -> Settings:
        key = _env("GEMINI_API_KEY")
        default_provider = "gemini" if key else None
        values: dict[str, object] = {
            "home": Path(_env("APTICHAT_HOME", ".aptichat") or ".aptichat"),
            "database_url": _env("APTICHAT_DATABASE_URL"),
            "legacy_database_url": _env("APTICHAT_LEGACY_DATABASE_URL"),
            "embeddings": _env("APTICHAT_EMBEDDINGS", default_provider or "local"),
            "llm": _env("APTICHAT_LLM", default_provider or "offline"),
            "gemini_api_key": key,
            "gemini_base_url": _env("APTICHAT_GEMINI_BASE_URL"),
            "admin_webhook_url": _env("APTICHAT_ADMIN_WEBHOOK_URL"),
            "jwt_public_key": _env("APTICHAT_JWT_PUBLIC_KEY"),
        }
        if (experiments := _env("APTICHAT_EXPERIMENTS")) is not None:
            values["experiments"] = json.loads(experiments)
        optional = {
            "APTICHAT_DB_POOL_SIZE": "db_pool_size",
            "APTICHAT_APP_DB": "app_db_name",
            "APTICHAT_LEGACY_DB": "legacy_db_name",
            "APTICHAT_DAGSTER_DB": "dagster_db_name",
            "APTICHAT_GEMINI_EMBEDDING_MODEL": "gemini_embedding_model",
            "APTICHAT_GEMINI_EMBEDDING_DIM": "gemini_embedding_dim",
            "APTICHAT_GEMINI_ANSWER_MODEL": "gemini_answer_model",
            "APTICHAT_GEMINI_TIMEOUT_S": "gemini_timeout_s",
            "APTICHAT_GEMINI_MAX_ATTEMPTS": "gemini_max_attempts",
            "APTICHAT_GEMINI_RETRY_INITIAL_DELAY_S": "gemini_retry_initial_delay_s",
            "APTICHAT_GEMINI_RETRY_MAX_DELAY_S": "gemini_retry_max_delay_s",
            "APTICHAT_GEMINI_EMBEDDING_BATCH_SIZE": "gemini_embedding_batch_size",
            "APTICHAT_GEMINI_RPM": "gemini_requests_per_minute",
            "APTICHAT_GEMINI_TPM": "gemini_tokens_per_minute",
            "APTICHAT_QUERY_CACHE_SIZE": "query_cache_size",
            "APTICHAT_MAX_QUESTION_CHARS": "max_question_chars",
            "APTICHAT_MAX_ANSWER_CHARS": "max_answer_chars",
            "APTICHAT_LOCAL_EMBEDDING_THREADS": "local_embedding_threads",
            "APTICHAT_API_HOST": "api_host",
            "APTICHAT_API_PORT": "api_port",
            "APTICHAT_JWT_SECRET": "jwt_secret",
            "APTICHAT_SERVICE_API_KEY": "service_api_key",
            "APTICHAT_RATE_LIMIT_STORAGE_URI": "rate_limit_storage_uri",
            "APTICHAT_TRUSTED_PROXIES": "trusted_proxies",
            "APTICHAT_SENSOR_MAX_PER_TICK": "sensor_max_per_tick",
            "APTICHAT_USERS_PER_RUN": "users_per_run",
            "APTICHAT_SENSOR_INTERVAL_S": "sensor_interval_s",
            "APTICHAT_DEMO_USERS": "demo_users",
            "APTICHAT_LOG_FORMAT": "log_format",
            "APTICHAT_LOG_USER_SALT": "log_user_salt",
        }
        for env_name, field in optional.items():
            raw = _env(env_name)
            if raw is not None:
                values[field] = raw
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings.from_env()

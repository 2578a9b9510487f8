"""Every setting AptiChat reads from the environment, declared once: the attribute, its variable, its
default and what it means. docs/configuration.md is generated from these declarations
(`aptichat config docs`); a test fails when the two differ."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, JsonValue, SecretStr
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

LOCAL_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
LOCAL_EMBEDDING_DIM = 384

# Sections of docs/configuration.md, in order; every setting belongs to one.
SECTIONS = ("Databases and files", "Pipeline", "API", "Providers", "Logging")


def setting(env: str, default: Any = None, *, section: str, doc: str, shown: str | None = None, **kw: Any) -> Any:
    """One declared setting: its environment variable, default, docs section and meaning. `shown`
    replaces the default in the docs when the value itself says little (or must not be printed)."""
    extra: dict[str, JsonValue] = {"section": section}
    if shown is not None:
        extra["shown"] = shown
    if "default_factory" not in kw:
        kw["default"] = default
    return Field(validation_alias=env, description=doc, json_schema_extra=extra, **kw)


class Settings(BaseSettings):
    """Runtime configuration. `Settings.from_env()` reads the environment (an empty variable counts as
    unset); `Settings(...)` is the defaults plus the values passed, by attribute name, for tests."""

    model_config = SettingsConfigDict(
        case_sensitive=True, env_ignore_empty=True, validate_by_name=True, validate_by_alias=True, extra="ignore"
    )

    # -- databases and files
    home: Path = setting(
        "APTICHAT_HOME",
        Path(".aptichat"),
        section="Databases and files",
        shown="`./.aptichat`",
        doc="Where the embedded PostgreSQL keeps its data (`pgdata/`). A second `make run` reuses it.",
    )
    database_url: str | None = setting(
        "APTICHAT_DATABASE_URL",
        repr=False,  # may hold a password: never in repr(settings)
        section="Databases and files",
        doc="Any PostgreSQL with pgvector for the app (chat_ tables). When set, nothing embedded starts.",
    )
    legacy_database_url: str | None = setting(
        "APTICHAT_LEGACY_DATABASE_URL",
        repr=False,  # may hold a password: never in repr(settings)
        section="Databases and files",
        doc="The real test product's database. Default: database `aptitude_legacy` on the app server.",
    )
    app_db_name: str = setting(
        "APTICHAT_APP_DB",
        "aptichat",
        section="Databases and files",
        doc="Name of the app database on the embedded (or `APTICHAT_DATABASE_URL`'s) server. Tests use names "
        "unique to each pytest process, as for the two below.",
    )
    legacy_db_name: str = setting(
        "APTICHAT_LEGACY_DB",
        "aptitude_legacy",
        section="Databases and files",
        doc="Name of the demo legacy database on the same server (when `APTICHAT_LEGACY_DATABASE_URL` is unset).",
    )
    dagster_db_name: str = setting(
        "APTICHAT_DAGSTER_DB",
        "dagster",
        section="Databases and files",
        doc="Name of Dagster's storage database on the same server.",
    )
    db_pool_size: int = setting(
        "APTICHAT_DB_POOL_SIZE",
        10,
        section="Databases and files",
        doc="SQLAlchemy pool per process (the API sizes its gunicorn threads from it).",
    )
    backup_dir: Path | None = setting(
        "APTICHAT_BACKUP_DIR",
        section="Databases and files",
        shown="`APTICHAT_HOME/backups`",
        doc="Where `aptichat backup create` and the nightly `backup_job` schedule write backups, where retention "
        "prunes, and what the `aptichat_backup_newest_age_seconds` gauge reads.",
    )
    backup_cron: str = setting(
        "APTICHAT_BACKUP_CRON",
        "0 2 * * *",
        section="Databases and files",
        doc="When the `nightly_backup` Dagster schedule runs (cron, UTC): backup create, verify, then retention.",
    )
    backup_keep_daily: int = setting(
        "APTICHAT_BACKUP_KEEP_DAILY",
        7,
        ge=1,
        section="Databases and files",
        doc="Retention: the newest backup of each of the last N days that have one is kept.",
    )
    backup_keep_weekly: int = setting(
        "APTICHAT_BACKUP_KEEP_WEEKLY",
        4,
        ge=0,
        section="Databases and files",
        doc="Retention: also the newest backup of each of the last M ISO weeks that have one; older ones are "
        "deleted after each nightly backup verifies.",
    )

    # -- pipeline: how much work one sensor tick takes, how many users share one run, tick interval
    sensor_max_per_tick: int = setting(
        "APTICHAT_SENSOR_MAX_PER_TICK",
        500,
        ge=1,
        section="Pipeline",
        doc="Completions (or API jobs) one sensor tick reads; the next tick continues from the cursor, so a "
        "tick stays short even when 10,000 tests complete at once.",
    )
    users_per_run: int = setting(
        "APTICHAT_USERS_PER_RUN",
        50,
        ge=1,
        section="Pipeline",
        doc="Most users in one run: fresh completions grouped by the sensor, and each run of a backfill "
        "(BackfillPolicy.multi_run), so a backfill of everyone never holds the queue in one long run.",
    )
    sensor_interval_s: int = setting(
        "APTICHAT_SENSOR_INTERVAL_S",
        1,
        ge=1,
        section="Pipeline",
        doc="Minimum seconds between ticks of the completion and request sensors. Dagster's sensor daemon "
        "evaluates at most every 5 s, so 1 means every daemon loop; 5 (the loop itself) skipped every other "
        "loop on timing jitter (10 s between ticks).",
    )
    demo_users: int = setting(
        "APTICHAT_DEMO_USERS",
        60,
        ge=0,
        section="Pipeline",
        doc="Synthetic test takers `make run` seeds when the legacy database is empty.",
    )
    admin_webhook_url: str | None = setting(
        "APTICHAT_ADMIN_WEBHOOK_URL",
        section="Pipeline",
        doc="Failed ETL runs are POSTed here as JSON; logged when unset.",
    )

    # -- API
    api_host: str = setting("APTICHAT_API_HOST", "127.0.0.1", section="API", doc="Address gunicorn listens on.")
    api_port: int = setting("APTICHAT_API_PORT", 8000, section="API", doc="Port gunicorn listens on.")
    # No default: a value in the code would be a value anyone can read (aptichat/secrets.py generates
    # them per install on the embedded default and refuses weak ones; SecretStr keeps them out of repr).
    jwt_secret: SecretStr | None = setting(
        "APTICHAT_JWT_SECRET",
        section="API",
        shown="unset: generated into `APTICHAT_HOME/secrets/` on the embedded default; required otherwise",
        doc="HS256 key of bearer tokens, at least 32 random bytes. Against a configured database a missing, "
        "shorter or published value stops every process at start (not needed in RS256 mode).",
    )
    jwt_public_key: str | None = setting(
        "APTICHAT_JWT_PUBLIC_KEY",
        section="API",
        doc="The identity provider's RS256 public key: a PEM or a JWKS (keys chosen by the token's `kid`, "
        "several at once for rotation), inline or a file path. When set, tokens must be RS256.",
    )
    jwt_issuer: str | None = setting(
        "APTICHAT_JWT_ISSUER",
        section="API",
        doc="Required `iss` of bearer tokens when set (and then put in tokens we sign). Required in RS256 mode "
        "against a configured database.",
    )
    jwt_audience: str | None = setting(
        "APTICHAT_JWT_AUDIENCE",
        section="API",
        doc="Required `aud` of bearer tokens when set (and then put in tokens we sign). Required in RS256 mode "
        "against a configured database.",
    )
    launch_public_key: str | None = setting(
        "APTICHAT_LAUNCH_PUBLIC_KEY",
        section="API",
        doc="The test product's RS256 public key for `GET /launch?code=` (a PEM or a JWKS, inline or a file "
        "path): short-lived signed codes that open a browser session for a student. Unset: /launch is off (404).",
    )
    service_api_key: SecretStr | None = setting(
        "APTICHAT_SERVICE_API_KEY",
        section="API",
        shown="unset: generated like `APTICHAT_JWT_SECRET`; required otherwise",
        doc="`X-API-Key` of the test product for `POST /events/test-completed`; the same rules as "
        "`APTICHAT_JWT_SECRET`.",
    )
    rate_limit_storage_uri: str = setting(
        "APTICHAT_RATE_LIMIT_STORAGE_URI",
        "aptichat-db://",
        section="API",
        doc="flask-limiter storage. `aptichat-db://` counts in the app database (table `chat_rate_limits`), "
        "so every worker and replica shares one budget; `aptichat-db://user:pass@host:5432/db` names another "
        "PostgreSQL; `memory://` counts per process.",
    )
    rate_limit_user: str = setting(
        "APTICHAT_RATE_LIMIT_USER",
        "120/minute;2000/hour",
        section="API",
        doc="Rate limit per authenticated user: one budget across the API's routes and WebSocket questions "
        "(limits separated by `;`).",
    )
    rate_limit_ip: str = setting(
        "APTICHAT_RATE_LIMIT_IP",
        "600/minute",
        section="API",
        doc="Rate limit per client address on every route (`/healthz`, `/readyz`, `/metrics` and the pages are "
        "exempt).",
    )
    reprocess_limit_per_hour: int = setting(
        "APTICHAT_REPROCESS_LIMIT_PER_HOUR",
        5,
        ge=1,
        section="API",
        doc="Reprocess requests one person may make per hour (`POST /users/{id}/reprocess`); more get 429 "
        "`reprocess_limited` with Retry-After. Asking again while a request is open returns that request; "
        "administrators can force a new one (`?force=true`).",
    )
    # Questions are short; the largest legitimate body is a feedback comment. 64 KiB leaves room and
    # keeps a hostile client from making us parse megabytes.
    api_max_body: int = setting(
        "APTICHAT_API_MAX_BODY",
        64 * 1024,
        section="API",
        shown="`65536` (64 KiB)",
        doc="Largest request body in bytes (Flask's `MAX_CONTENT_LENGTH`); larger ones get 413 `payload_too_large`. "
        "Also the largest WebSocket message: a larger one gets a `message_too_large` error frame and close 1009.",
    )
    # an idle socket holds a worker thread (gunicorn gthread): close it when nobody asks anything
    ws_idle_timeout_s: float = setting(
        "APTICHAT_WS_IDLE_TIMEOUT_S",
        300.0,
        gt=0,
        section="API",
        doc="Seconds a chat WebSocket may stay silent (no frame from the client) before the server sends an "
        "`idle_timeout` error frame and closes it with code 4408.",
    )
    # CORS is off unless configured: the chat page is served by the API itself (same origin)
    cors_origins: str | None = setting(
        "APTICHAT_CORS_ORIGINS",
        section="API",
        shown="unset (no cross-origin access)",
        doc="Comma-separated origins (`https://app.example.org`) allowed to call the API from a browser on "
        "another origin, with the `Authorization` header; never credentials or a wildcard. Unset: no CORS "
        "headers at all, so browsers refuse cross-origin reads.",
    )
    # how many reverse proxies (nginx) sit in front of the API; their X-Forwarded-For is then trusted
    trusted_proxies: int = setting(
        "APTICHAT_TRUSTED_PROXIES",
        0,
        section="API",
        doc="Reverse proxies in front of the API whose `X-Forwarded-For` is trusted (compose: 1).",
    )
    # chat: longest question accepted (longer ones get 422 question_too_long) and longest answer produced
    max_question_chars: int = setting(
        "APTICHAT_MAX_QUESTION_CHARS",
        2000,
        ge=1,
        section="API",
        doc="Longest chat question accepted, in characters after trimming; longer ones are rejected with 422 "
        "`question_too_long`.",
    )
    max_answer_chars: int = setting(
        "APTICHAT_MAX_ANSWER_CHARS",
        1800,
        ge=100,
        section="API",
        doc="Longest answer the chat produces (at least 100); provider and offline answers are cut at a "
        "sentence boundary within it, streamed or not.",
    )
    # the deployment's own crisis line, said in the safety layer's fixed distress reply
    safety_helpline: str | None = setting(
        "APTICHAT_SAFETY_HELPLINE",
        section="API",
        shown="a generic sentence (no number)",
        doc='One sentence naming the helpline students of this deployment should call, e.g. "In the UK you '
        'can call Samaritans free on 116 123, day or night."; said in the safety reply to a distress message.',
    )
    # A/B experiments: name -> variants; APTICHAT_EXPERIMENTS='{"prompt": ["v1", "v2"]}'
    experiments: dict[str, list[str]] = setting(
        "APTICHAT_EXPERIMENTS",
        default_factory=lambda: {"prompt": ["v1", "v2"]},
        section="API",
        doc="A/B experiments (JSON): name -> variants; assignment is a hash of the user id.",
    )

    # -- providers (with no key at all: local embeddings and the offline composer)
    embeddings: Literal["local", "gemini"] = setting(
        "APTICHAT_EMBEDDINGS",
        "local",
        section="Providers",
        shown="`local` (`gemini` when only `GEMINI_API_KEY` is set)",
        doc="`local`: all-MiniLM-L6-v2 on CPU, 384-d, offline. `gemini`: `gemini-embedding-001`.",
    )
    llm: Literal["offline", "gemini"] = setting(
        "APTICHAT_LLM",
        "offline",
        section="Providers",
        shown="`offline` (`gemini` when only `GEMINI_API_KEY` is set)",
        doc="`offline`: the templated, cited composer. `gemini`: a Gemini model, falling back to the composer "
        "on failure.",
    )
    gemini_api_key: str | None = setting(
        "GEMINI_API_KEY",
        repr=False,  # a credential: never in repr(settings)
        section="Providers",
        doc="Sent as `x-goog-api-key`. `gemini` without a key answers offline (logged).",
    )
    gemini_base_url: str | None = setting(
        "APTICHAT_GEMINI_BASE_URL",
        section="Providers",
        shown="Google's endpoint",
        doc="Another endpoint (a proxy, or the fake server in tests).",
    )
    gemini_embedding_model: str = setting(
        "APTICHAT_GEMINI_EMBEDDING_MODEL", "gemini-embedding-001", section="Providers", doc="Embedding model."
    )
    gemini_embedding_dim: int = setting(
        "APTICHAT_GEMINI_EMBEDDING_DIM",
        768,
        section="Providers",
        doc="`output_dimensionality`; vectors are re-normalised. Changing it is a re-embedding backfill.",
    )
    gemini_embedding_batch_size: int = setting(
        "APTICHAT_GEMINI_EMBEDDING_BATCH_SIZE",
        100,
        section="Providers",
        doc="Texts per `batchEmbedContents` request (the API allows at most 100).",
    )
    gemini_answer_model: str = setting(
        "APTICHAT_GEMINI_ANSWER_MODEL", "gemini-2.5-flash", section="Providers", doc="Model for answers."
    )
    gemini_timeout_s: float = setting(
        "APTICHAT_GEMINI_TIMEOUT_S",
        30.0,
        section="Providers",
        doc="Per-request timeout in seconds (a timeout is retried).",
    )
    gemini_max_attempts: int = setting(
        "APTICHAT_GEMINI_MAX_ATTEMPTS",
        4,
        section="Providers",
        doc="Attempts per call, the first included, for 408/429/5xx, timeouts and malformed bodies. 4xx errors "
        "are never retried.",
    )
    gemini_retry_initial_delay_s: float = setting(
        "APTICHAT_GEMINI_RETRY_INITIAL_DELAY_S",
        1.0,
        section="Providers",
        doc="First backoff; doubles per retry with jitter (between half and all of it). A `Retry-After` header "
        "is a lower bound; one above 120 s gives up at once.",
    )
    gemini_retry_max_delay_s: float = setting(
        "APTICHAT_GEMINI_RETRY_MAX_DELAY_S", 30.0, section="Providers", doc="Backoff cap."
    )
    gemini_requests_per_minute: int = setting(
        "APTICHAT_GEMINI_RPM",
        600,
        section="Providers",
        doc="Client-side pacing per model and endpoint, shared by every thread of a process (token bucket, "
        "burst of one second's worth).",
    )
    gemini_tokens_per_minute: int = setting(
        "APTICHAT_GEMINI_TPM",
        1_000_000,
        section="Providers",
        doc="Input-token pacing (estimated at 4 characters per token).",
    )
    local_embedding_backend: Literal["onnx", "onnx-int8", "torch"] = setting(
        "APTICHAT_LOCAL_EMBEDDING_BACKEND",
        "onnx",
        section="Providers",
        doc="How the local model runs: `onnx` (ONNX Runtime on a graph exported on first use from the packaged "
        "weights into `APTICHAT_HOME/models/`, the same vectors as torch), `onnx-int8` (its int8-quantised "
        "variant) or `torch` (sentence-transformers). An ONNX backend that cannot load falls back to torch "
        "(logged). Figures: docs/benchmarks.md; why: docs/decisions/0007-onnx-embeddings.md.",
    )
    local_embedding_threads: int | None = setting(
        "APTICHAT_LOCAL_EMBEDDING_THREADS",
        section="Providers",
        shown="unset (torch's default: one per core)",
        doc="Intra-op threads of the local model (torch: set on first load, process-wide; ONNX Runtime: per "
        "session). Consider `1` when "
        "several processes share few cores (API workers beside the ETL). Measured on 2 cores with other test "
        "runs loading them (load average 2.3-4.8): single-query median 10-580 ms with torch's default 2 "
        "threads (it thrashes when the cores are busy) against 16-29 ms with 1; batch throughput 23-87 "
        "texts/s with 2 threads against 32-72 with 1. Noisy figures: re-measure with "
        "`benchmarks/embeddings.py --threads N` on the target machine.",
    )
    query_cache_size: int = setting(
        "APTICHAT_QUERY_CACHE_SIZE",
        2048,
        section="Providers",
        doc="Query embeddings kept in the in-process LRU.",
    )

    prometheus_multiproc_dir: Path | None = setting(
        "PROMETHEUS_MULTIPROC_DIR",
        section="Logging",
        shown="unset: `APTICHAT_HOME/prometheus/api-<port>`, set by the gunicorn master for its workers",
        doc="prometheus_client's multiprocess directory: every gunicorn worker writes its counters there and "
        "a scrape of `/metrics` sums them. The master empties it at start (`aptichat_api/gunicorn_conf.py`); "
        "set it only to put it elsewhere (one directory per deployment).",
    )

    # -- logs
    log_format: Literal["json", "text"] | None = setting(
        "APTICHAT_LOG_FORMAT",
        section="Logging",
        shown="unset: `json` for `aptichat api serve` and the pipeline, `text` for the CLI",
        doc="`json` writes one object per line (timestamp, level, logger, message, and when known "
        "`request_id`, `user`, `run_id`, `partitions`, `stage`); `text` writes the classic line with those "
        "fields appended. See `aptichat/logs.py`.",
    )
    log_user_salt: str = setting(
        "APTICHAT_LOG_USER_SALT",
        "aptichat-dev-log-salt",
        repr=False,  # a secret: never in repr(settings)
        section="Logging",
        shown="generated once into `APTICHAT_HOME/secrets/` on the embedded default; required otherwise",
        doc="Salt of every user pseudonym: the `user` hash in logs (first 16 hex of sha256(salt + user id)), "
        "audit rows, rate-limit keys and the erasure ledger (HMAC). The development default is published, so "
        "it is never used: the embedded default generates one per install, and against a configured database "
        "every process refuses to start without a value of at least 32 bytes. Changing it breaks correlation "
        "with older log lines and orphans erasure-ledger entries (docs/privacy.md).",
    )

    @property
    def embedding_model(self) -> str:
        return LOCAL_EMBEDDING_MODEL if self.embeddings == "local" else self.gemini_embedding_model

    @property
    def embedding_dim(self) -> int:
        return LOCAL_EMBEDDING_DIM if self.embeddings == "local" else self.gemini_embedding_dim

    @property
    def backups(self) -> Path:
        """The backup folder: APTICHAT_BACKUP_DIR, else APTICHAT_HOME/backups."""
        return self.backup_dir if self.backup_dir is not None else self.home / "backups"

    @property
    def pgdata(self) -> Path:
        return self.home.resolve() / "pgdata"

    @property
    def embedded(self) -> bool:
        """True when the app database is the embedded server (no APTICHAT_DATABASE_URL)."""
        return self.database_url is None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Settings(...) is only what it is given: a scratch Settings(home=tmp) must never pick up the
        # process's APTICHAT_DATABASE_URL. The environment is read by from_env() alone.
        return (init_settings,)

    @classmethod
    def from_env(cls) -> Settings:
        """The settings of this process: each declared variable that is set and not empty, validated
        (errors name the variable)."""
        values = EnvSettingsSource(cls)()  # keyed by variable name
        if values.get(env_name("gemini_api_key")):  # a key alone turns on Gemini for both
            values.setdefault(env_name("embeddings"), "gemini")
            values.setdefault(env_name("llm"), "gemini")
        return cls(**values)


def env_name(attribute: str) -> str:
    """The environment variable of a Settings attribute (`llm` -> `APTICHAT_LLM`)."""
    alias = Settings.model_fields[attribute].validation_alias
    assert isinstance(alias, str), attribute
    return alias


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings.from_env()

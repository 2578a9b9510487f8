"""aptichat/settings.py: the environment's parsing rules, and docs/configuration.md kept equal to the
declarations (regenerated and compared)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from aptichat.cli import main
from aptichat.config_docs import render
from aptichat.settings import SECTIONS, Settings, env_name, get_settings
from aptichat_api.config import build_config

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "configuration.md"
SOURCES = ("aptichat", "aptichat_api", "aptichat_pipelines")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No declared variable set, so each test sees only what it sets."""
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    return monkeypatch


def test_committed_doc_matches_the_declarations() -> None:
    text = DOC.read_text()
    assert render(text) == text, "docs/configuration.md is stale: run `aptichat config docs`"


def test_doc_check_command_fails_on_a_stale_copy(tmp_path: Path) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text(DOC.read_text().replace("`APTICHAT_GEMINI_RPM`", "`APTICHAT_GEMINI_RPS`"))
    runner = CliRunner()
    assert runner.invoke(main, ["config", "docs", "--check", "--path", str(stale)]).exit_code != 0
    assert runner.invoke(main, ["config", "docs", "--path", str(stale)]).exit_code == 0
    assert stale.read_text() == DOC.read_text()
    checked = runner.invoke(main, ["config", "docs", "--check", "--path", str(stale)])
    assert checked.exit_code == 0, checked.output


def test_every_setting_is_declared_with_a_variable_a_section_and_a_meaning() -> None:
    names = [env_name(name) for name in Settings.model_fields]
    assert len(set(names)) == len(names)
    for name, field in Settings.model_fields.items():
        # ours, plus the two variables other tools define: the Gemini SDK's key and prometheus_client's directory
        assert re.fullmatch(r"APTICHAT_[A-Z0-9_]+|GEMINI_API_KEY|PROMETHEUS_MULTIPROC_DIR", env_name(name)), name
        assert field.description, name
        assert isinstance(field.json_schema_extra, dict) and field.json_schema_extra["section"] in SECTIONS, name


def test_settings_without_from_env_ignore_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("APTICHAT_DATABASE_URL", "postgresql://elsewhere/db")
    clean_env.setenv("APTICHAT_DB_POOL_SIZE", "3")
    scratch = Settings(home=Path("/tmp/x"))
    assert scratch.database_url is None and scratch.db_pool_size == 10 and scratch.embedded
    assert Settings.from_env().database_url == "postgresql://elsewhere/db"
    assert Settings.from_env().db_pool_size == 3


def test_empty_variables_count_as_unset(clean_env: pytest.MonkeyPatch) -> None:
    for name in ("APTICHAT_HOME", "APTICHAT_DB_POOL_SIZE", "APTICHAT_EXPERIMENTS", "APTICHAT_LOG_FORMAT"):
        clean_env.setenv(name, "")
    clean_env.setenv("APTICHAT_LOCAL_EMBEDDING_THREADS", "")
    assert Settings.from_env() == Settings()


def test_values_are_parsed_by_type(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("APTICHAT_HOME", "/srv/aptichat")
    clean_env.setenv("APTICHAT_EXPERIMENTS", '{"prompt": ["v2"], "tone": ["warm", "plain"]}')
    clean_env.setenv("APTICHAT_GEMINI_TIMEOUT_S", "2.5")
    clean_env.setenv("APTICHAT_LOCAL_EMBEDDING_THREADS", "1")
    clean_env.setenv("APTICHAT_API_MAX_BODY", "2048")
    clean_env.setenv("APTICHAT_RATE_LIMIT_IP", "9/minute")
    settings = Settings.from_env()
    assert settings.home == Path("/srv/aptichat") and settings.gemini_timeout_s == 2.5
    assert settings.experiments == {"prompt": ["v2"], "tone": ["warm", "plain"]}
    assert settings.local_embedding_threads == 1
    config = build_config(settings)
    assert (config["MAX_CONTENT_LENGTH"], config["RATE_LIMIT_IP"]) == (2048, "9/minute")
    assert config["RATE_LIMIT_USER"] == "120/minute;2000/hour"


def test_variable_names_are_case_sensitive(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("aptichat_db_pool_size", "3")
    assert Settings.from_env().db_pool_size == 10


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("APTICHAT_LLM", "openai"),
        ("APTICHAT_LOG_FORMAT", "xml"),
        ("APTICHAT_MAX_ANSWER_CHARS", "99"),
        ("APTICHAT_SENSOR_INTERVAL_S", "0"),
        ("APTICHAT_DB_POOL_SIZE", "ten"),
    ],
)
def test_a_bad_value_names_its_variable(clean_env: pytest.MonkeyPatch, variable: str, value: str) -> None:
    clean_env.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable):
        Settings.from_env()


def test_malformed_json_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("APTICHAT_EXPERIMENTS", "{prompt: v1}")
    with pytest.raises(ValueError, match="experiments"):
        Settings.from_env()


def test_a_gemini_key_alone_selects_gemini(clean_env: pytest.MonkeyPatch) -> None:
    assert (Settings.from_env().embeddings, Settings.from_env().llm) == ("local", "offline")
    clean_env.setenv("GEMINI_API_KEY", "k")
    assert (Settings.from_env().embeddings, Settings.from_env().llm) == ("gemini", "gemini")
    clean_env.setenv("APTICHAT_LLM", "offline")
    assert (Settings.from_env().embeddings, Settings.from_env().llm) == ("gemini", "offline")
    assert Settings(gemini_api_key="k").llm == "offline"  # explicit construction applies no rule


def test_get_settings_reads_once_until_cleared(clean_env: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    try:
        clean_env.setenv("APTICHAT_DB_POOL_SIZE", "4")
        first = get_settings()
        clean_env.setenv("APTICHAT_DB_POOL_SIZE", "5")
        assert get_settings() is first and first.db_pool_size == 4
        get_settings.cache_clear()
        assert get_settings().db_pool_size == 5
    finally:
        get_settings.cache_clear()


def test_configuration_is_read_only_through_settings() -> None:
    """Code reads no environment variable itself: Settings.from_env() does. Copying the environment for a
    child process, or setting a variable (HF offline flags, XDG_RUNTIME_DIR), is no configuration read."""
    reads = re.compile(r"environ\.get\(|getenv\(|environ\[[^\]]+\](?!\s*=[^=])")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for package in SOURCES
        for path in sorted((REPO / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if reads.search(line)
    ]
    assert not offenders, offenders

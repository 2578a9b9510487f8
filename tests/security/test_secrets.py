"""No secret in the code: generated once per install on the embedded default (mode 0600, the same for
every process), and against a configured database every process (the API, `aptichat api serve`,
`aptichat token create`, the Dagster code location) refuses to start without strong ones, naming the
variable and never printing a value."""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from pydantic import SecretStr
from support.api import app_config, bearer
from support.processes import APTICHAT, gunicorn_api
from support.security import ALICE

from aptichat.db.server import app_url
from aptichat.secrets import PUBLISHED, SECRETS, UnsafeConfiguration, check_secrets, secret_value, weakness
from aptichat.settings import Settings, env_name

REPO = Path(__file__).resolve().parents[2]
SECRET_VARS = [env_name(attribute) for attribute in SECRETS]  # APTICHAT_JWT_SECRET, APTICHAT_SERVICE_API_KEY
OLD_DEFAULTS = {
    "APTICHAT_JWT_SECRET": "dev-insecure-change-me-please-0123456789",
    "APTICHAT_SERVICE_API_KEY": "dev-service-key",
}


def strong() -> str:
    return base64.urlsafe_b64encode(os.urandom(40)).decode()


def env_example_values() -> dict[str, str]:
    """The placeholders .env.example publishes for the secrets (read now, not copied into the test)."""
    values = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() in SECRET_VARS:
            values[name.strip()] = value.strip()
    assert set(values) == set(SECRET_VARS), values
    return values


def published_assignments() -> list[tuple[str, str, str]]:
    """Every `VARIABLE=value` / `VARIABLE: value` the repository's docs and deployment files show for a
    secret: (file, variable, value)."""
    pattern = re.compile(rf"\b({'|'.join(SECRET_VARS)})\b\s*[=:]\s*[\"']?([^\s\"'`]*)")
    files = [REPO / ".env.example", REPO / "docker-compose.yml", REPO / "README.md", REPO / "Makefile"]
    files += sorted((REPO / "docs").rglob("*.md"))
    return [
        (str(path.relative_to(REPO)), match.group(1), match.group(2))
        for path in files
        if path.is_file()
        for match in pattern.finditer(path.read_text())
    ]


def run(argv: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def configured_env(settings: Settings, engine: Any) -> dict[str, str]:
    """The environment of a process pointed at a configured database (this session's app database on the
    embedded server, by URL), with no secret set."""
    env = {name: value for name, value in os.environ.items() if name not in SECRET_VARS}
    env["APTICHAT_DATABASE_URL"] = app_url(settings, driver=None)
    env["APTICHAT_LOG_USER_SALT"] = strong()  # its own tests are below; here the token secrets are tested
    return env


# -- the embedded default: generated once, private, shared


def test_processes_starting_together_generate_one_private_secret(tmp_path: Path) -> None:
    home = tmp_path / "home"
    start_at = time.time() + 2.0  # every process waits for the same instant, so they race for real
    code = (
        "import sys, time; from pathlib import Path; from aptichat.secrets import generated\n"
        f"time.sleep(max(0.0, {start_at} - time.time()))\n"
        "print(generated(Path(sys.argv[1]), 'jwt_secret'), generated(Path(sys.argv[1]), 'service_api_key'))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(home)], stdout=subprocess.PIPE, text=True) for _ in range(6)
    ]
    outputs = {proc.communicate(timeout=120)[0].strip() for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert len(outputs) == 1, "processes starting together must agree on the install's secrets"
    jwt_value, service_value = outputs.pop().split()
    assert jwt_value != service_value and min(len(jwt_value), len(service_value)) >= 32
    folder = home / "secrets"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name, value in (("jwt_secret", jwt_value), ("service_api_key", service_value)):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
        assert (folder / name).read_text().strip() == value
    assert sorted(p.name for p in folder.iterdir()) == ["jwt_secret", "service_api_key"]  # no temporary left
    # a later process reads the same values
    later = run([sys.executable, "-c", code.replace(str(start_at), "0"), str(home)], dict(os.environ))
    assert later.stdout.split() == [jwt_value, service_value]


def test_a_process_that_lost_the_race_reads_the_winners_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic form of the race above: this process saw no file, then another one published
    its value before this one wrote. The first value stays; nothing is overwritten."""
    from aptichat.secrets import generated

    (tmp_path / "secrets").mkdir()
    winner = strong()
    (tmp_path / "secrets" / "jwt_secret").write_text(winner + "\n")
    monkeypatch.setattr(Path, "exists", lambda self: False)  # the check ran before the winner wrote
    assert generated(tmp_path, "jwt_secret") == winner
    monkeypatch.undo()
    assert (tmp_path / "secrets" / "jwt_secret").read_text().strip() == winner
    assert [p.name for p in (tmp_path / "secrets").iterdir()] == ["jwt_secret"]


def test_a_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    from aptichat.secrets import generated

    (tmp_path / "secrets").mkdir()
    path = tmp_path / "secrets" / "jwt_secret"
    path.write_text(strong())
    path.chmod(0o644)
    assert generated(tmp_path, "jwt_secret") == path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_token_from_the_cli_is_accepted_by_the_app(settings: Settings, security_people: dict[str, str]) -> None:
    """`aptichat token create` in another process signs with the secret the in-process app checks with:
    the one generated into APTICHAT_HOME."""
    from aptichat_api.app import create_app

    assert settings.embedded and settings.jwt_secret is None
    done = run([str(APTICHAT), "token", "create", "--user", ALICE], {**os.environ})
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    path = settings.home.resolve() / "secrets" / "jwt_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert jwt.decode(token, path.read_text().strip(), algorithms=["HS256"])["sub"] == ALICE
    client = create_app(app_config(settings)).test_client()
    assert client.get("/chat/history", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    forged = jwt.encode({"sub": ALICE, "exp": int(time.time()) + 60}, OLD_DEFAULTS["APTICHAT_JWT_SECRET"])
    assert client.get("/chat/history", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    service = {"X-API-Key": (settings.home.resolve() / "secrets" / "service_api_key").read_text().strip()}
    assert client.get("/jobs/0", headers=service).status_code != 401
    assert client.get("/jobs/0", headers={"X-API-Key": OLD_DEFAULTS["APTICHAT_SERVICE_API_KEY"]}).status_code == 401


# -- a configured database: strong secrets or no start


def _configured(settings: Settings, **secrets: str | None) -> Settings:
    values = {"jwt_secret": strong(), "service_api_key": strong()} | secrets
    update = {name: SecretStr(value) if value is not None else None for name, value in values.items()}
    salt = {"log_user_salt": strong()}
    return settings.model_copy(update={"database_url": app_url(settings), **salt, **update})


def bad_values() -> list[tuple[str, str | None, str]]:
    """(attribute, value, what the error says) for each way a secret can be unsafe."""
    cases: list[tuple[str, str | None, str]] = []
    for attribute in SECRETS:
        variable = env_name(attribute)
        cases += [
            (attribute, None, f"{variable} is not set"),
            (attribute, "short-secret-7f3a", f"{variable} is too short"),
            (attribute, "x" * 31, f"{variable} is too short"),
            (attribute, OLD_DEFAULTS[variable], f"{variable} is a value published"),
        ]
        placeholder = env_example_values()[variable]  # an empty one is a missing secret
        cases.append((attribute, placeholder or None, variable))
    return cases


@pytest.mark.parametrize(("attribute", "value", "message"), bad_values())
def test_create_app_refuses_an_unsafe_secret_and_names_it(
    settings: Settings, engine: Any, attribute: str, value: str | None, message: str
) -> None:
    from aptichat_api.app import create_app

    with pytest.raises(UnsafeConfiguration, match=re.escape(message)) as refused:
        create_app(app_config(_configured(settings, **{attribute: value})))
    if value:
        assert value not in str(refused.value)


def test_create_app_starts_with_strong_secrets(settings: Settings, engine: Any) -> None:
    from aptichat_api.app import create_app

    configured = _configured(settings)
    client = create_app(app_config(configured)).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/chat/history", headers=bearer(configured, ALICE)).status_code == 200
    # the install's generated secret is the embedded default's, not a configured deployment's
    assert client.get("/chat/history", headers=bearer(settings, ALICE)).status_code == 401


def test_every_published_value_is_refused() -> None:
    for value in PUBLISHED:
        for variable in SECRET_VARS:
            assert weakness(variable, value), (variable, value)
    found = published_assignments()
    assert any(path == ".env.example" for path, _, _ in found)
    for path, variable, value in found:
        assert not value or weakness(variable, value), f"{path} publishes a usable {variable}: add it to PUBLISHED"


def test_secrets_never_show_in_repr_or_errors(settings: Settings) -> None:
    hidden = [strong() for _ in range(6)]
    names = ["jwt_secret", "service_api_key", "gemini_api_key", "log_user_salt"]
    values: dict[str, Any] = dict(zip(names, hidden, strict=False))
    values["database_url"] = f"postgresql://u:{hidden[4]}@h/db"
    values["legacy_database_url"] = f"postgresql://u:{hidden[5]}@h/legacy"
    shown = repr(Settings(**values)) + str(Settings(**values))
    assert not [value for value in hidden if value in shown]
    with pytest.raises(UnsafeConfiguration) as refused:
        check_secrets(_configured(settings, jwt_secret="not-long-enough-" + "z" * 10))
    assert "z" * 10 not in str(refused.value)


def test_a_weak_secret_is_refused_on_the_embedded_default_too(settings: Settings) -> None:
    weak = settings.model_copy(update={"jwt_secret": SecretStr("too-short")})
    with pytest.raises(UnsafeConfiguration, match="APTICHAT_JWT_SECRET is too short"):
        check_secrets(weak)
    with pytest.raises(UnsafeConfiguration, match="APTICHAT_JWT_SECRET"):
        secret_value(weak, "jwt_secret")


def test_serve_refuses_without_strong_secrets_and_serves_with_them(configured_env: dict[str, str]) -> None:
    serve = [str(APTICHAT), "api", "serve"]
    refused = run(serve, configured_env)
    assert refused.returncode != 0
    assert (
        "APTICHAT_JWT_SECRET is not set" in refused.stderr and "APTICHAT_SERVICE_API_KEY is not set" in refused.stderr
    )
    short = run(serve, {**configured_env, "APTICHAT_JWT_SECRET": "short", "APTICHAT_SERVICE_API_KEY": strong()})
    assert short.returncode != 0 and "APTICHAT_JWT_SECRET is too short" in short.stderr
    old = {**configured_env, **OLD_DEFAULTS}
    published = run(serve, old)
    assert published.returncode != 0 and "APTICHAT_JWT_SECRET is a value published" in published.stderr
    strong_env = {**configured_env, "APTICHAT_JWT_SECRET": strong(), "APTICHAT_SERVICE_API_KEY": strong()}
    with gunicorn_api(strong_env) as url:  # waits for /healthz, then stops the server
        assert requests.get(f"{url}/healthz", timeout=10).status_code == 200


def test_token_create_refuses_without_a_strong_secret(configured_env: dict[str, str]) -> None:
    create = [str(APTICHAT), "token", "create", "--user", ALICE]
    refused = run(create, {**configured_env, "APTICHAT_SERVICE_API_KEY": strong()})
    assert refused.returncode != 0 and "APTICHAT_JWT_SECRET is not set" in refused.stderr and not refused.stdout
    secret = strong()
    signed = run(create, {**configured_env, "APTICHAT_JWT_SECRET": secret, "APTICHAT_SERVICE_API_KEY": strong()})
    assert signed.returncode == 0, signed.stderr
    assert jwt.decode(signed.stdout.strip(), secret, algorithms=["HS256"])["sub"] == ALICE


def test_the_dagster_code_location_refuses_to_load_without_strong_secrets(configured_env: dict[str, str]) -> None:
    load = [
        str(Path(sys.executable).parent / "dagster"),
        "definitions",
        "validate",
        "-m",
        "aptichat_pipelines.definitions",
    ]
    configured_env = {name: value for name, value in configured_env.items() if name != "DAGSTER_HOME"}
    refused = run(load, {**configured_env, "APTICHAT_SERVICE_API_KEY": "dev-service-key"}, timeout=300)
    assert refused.returncode != 0
    assert "APTICHAT_JWT_SECRET is not set" in refused.stderr
    assert "APTICHAT_SERVICE_API_KEY is a value published" in refused.stderr
    loaded = run(
        load, {**configured_env, "APTICHAT_JWT_SECRET": strong(), "APTICHAT_SERVICE_API_KEY": strong()}, timeout=300
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]


# -- containers: an empty secret file is a missing secret


def _entrypoint() -> Any:
    spec = importlib.util.spec_from_file_location("docker_entrypoint", REPO / "docker" / "entrypoint.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_entrypoint_treats_an_empty_secret_file_as_missing(tmp_path: Path, configured_env: dict[str, str]) -> None:
    empty, full = tmp_path / "jwt_secret", tmp_path / "service_api_key"
    empty.write_text("\n")
    full.write_text(strong() + "\n")
    files = {"APTICHAT_JWT_SECRET_FILE": str(empty), "APTICHAT_SERVICE_API_KEY_FILE": str(full)}
    env = {"APTICHAT_JWT_SECRET": "", **files}
    _entrypoint().load_secrets(env)
    assert "APTICHAT_JWT_SECRET" not in env
    assert env["APTICHAT_SERVICE_API_KEY"] == full.read_text().strip()
    # the real entrypoint in front of a command that checks: refused, naming the variable
    done = run(
        [sys.executable, str(REPO / "docker" / "entrypoint.py"), str(APTICHAT), "token", "create", "--user", ALICE],
        {**configured_env, **files},
    )
    assert done.returncode != 0 and "APTICHAT_JWT_SECRET is not set" in done.stderr


# -- the user-hash salt (logs, audit rows, rate-limit keys, the erasure ledger)


def test_the_user_salt_is_generated_on_the_embedded_default(tmp_path: Path) -> None:
    from aptichat.secrets import user_salt

    embedded = Settings(home=tmp_path)
    assert embedded.log_user_salt in PUBLISHED  # the setting's development default is published...
    salt = user_salt(embedded)
    assert salt not in PUBLISHED and len(salt) >= 32  # ...so the install generates its own
    assert (tmp_path / "secrets" / "log_user_salt").stat().st_mode & 0o777 == 0o600
    assert user_salt(embedded) == salt
    assert user_salt(embedded.model_copy(update={"log_user_salt": "y" * 40})) == "y" * 40


def test_a_configured_database_refuses_a_published_or_weak_user_salt(settings: Settings, engine: Any) -> None:
    from aptichat_api.app import create_app

    for salt, message in (
        ("aptichat-dev-log-salt", "APTICHAT_LOG_USER_SALT is not set"),
        ("short-salt", "APTICHAT_LOG_USER_SALT is too short"),
    ):
        configured = _configured(settings).model_copy(update={"log_user_salt": salt})
        with pytest.raises(UnsafeConfiguration, match=re.escape(message)):
            create_app(app_config(configured))


def test_a_restore_into_another_home_carries_the_install_secrets(tmp_path: Path) -> None:
    """Restoring this install's backup onto a fresh home is the same install: without its salt the
    erasure ledger's hashes would match nobody there and erased people would come back."""
    from aptichat.secrets import carry_secrets, user_salt

    old, new = tmp_path / "old", tmp_path / "new"
    salt = user_salt(Settings(home=old))
    assert sorted(carry_secrets(old, new)) == ["log_user_salt"]
    assert user_salt(Settings(home=new)) == salt
    assert (new / "secrets" / "log_user_salt").stat().st_mode & 0o777 == 0o600
    (old / "secrets" / "log_user_salt").write_text("z" * 40 + "\n")
    assert carry_secrets(old, new) == []  # never overwrites the target's own
    assert (new / "secrets" / "log_user_salt").read_text().strip() == salt

"""`aptichat token create` and the gunicorn command line of `aptichat api serve`."""

from __future__ import annotations

import jwt
from click.testing import CliRunner

from aptichat.cli import main
from aptichat.secrets import secret_value
from aptichat.settings import get_settings
from aptichat_api.cli import gunicorn_argv


def test_token_create_signs_sub_role_and_ttl() -> None:
    result = CliRunner().invoke(main, ["token", "create", "--user", "u-1", "--role", "admin", "--ttl", "60"])
    assert result.exit_code == 0, result.output
    claims = jwt.decode(
        result.stdout.strip().splitlines()[-1], secret_value(get_settings(), "jwt_secret"), algorithms=["HS256"]
    )
    assert claims["sub"] == "u-1" and claims["role"] == "admin" and claims["exp"] - claims["iat"] == 60


def test_token_create_refuses_bad_input() -> None:
    assert CliRunner().invoke(main, ["token", "create", "--user", "u-1", "--role", "root"]).exit_code != 0
    assert CliRunner().invoke(main, ["token", "create", "--user", "bad\x00id"]).exit_code != 0


def test_serve_runs_gunicorn_with_threads() -> None:
    argv = gunicorn_argv("127.0.0.1", 8000, 1, 10, 120)
    assert argv[1:3] == ["-m", "gunicorn"]
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    assert argv[argv.index("--threads") + 1] == "10"
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8000"
    assert argv[-1] == "aptichat_api.wsgi:app"

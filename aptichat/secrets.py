"""The install's secrets: the HS256 key of bearer tokens, the test product's API key, and the salt that
turns user ids into pseudonyms (log lines, audit rows, rate-limit keys, the erasure ledger).

No value in the code or the docs may serve as one: anyone who reads the repository could mint an admin
token or post webhooks with it. So:
- on the embedded default (no APTICHAT_DATABASE_URL) each is generated once, at random, into
  `APTICHAT_HOME/secrets/<attribute>` (mode 0600) and every process of the install reads that file
  (the API, the Dagster code location, `aptichat token create`);
- a value that is set must be strong: at least 32 bytes and none of the values this repository ever
  published;
- against a configured database a missing value stops every process at start, and so does RS256
  without an issuer and an audience to check.
Errors and logs name the variable, never its value.
"""

from __future__ import annotations

import base64
import logging
import os
import time
import uuid
from functools import cache
from pathlib import Path

from aptichat.settings import Settings, env_name

log = logging.getLogger(__name__)

MIN_BYTES = 32
# Settings attributes holding the secrets; the generated files carry these names.
SECRETS = ("jwt_secret", "service_api_key")
# The user-hash salt: a published salt lets anyone who reads the logs test candidate ids against
# them, so it is generated like the secrets above (its setting keeps a published development default).
SALT = "log_user_salt"
# Values of these secrets published in this repository (old defaults, examples): refused wherever set.
# tests/security/test_secrets.py checks that .env.example, the docs and compose publish no other.
PUBLISHED = frozenset(
    {
        "dev-insecure-change-me-please-0123456789",  # APTICHAT_JWT_SECRET's default until issue 14
        "dev-service-key",  # APTICHAT_SERVICE_API_KEY's default until issue 14
        "aptichat-dev-log-salt",
        "change-me",
        "changeme",
        "secret",
        "...",
    }
)
HOW = f"set a random value of at least {MIN_BYTES} bytes (e.g. `openssl rand -base64 48`)"


class UnsafeConfiguration(RuntimeError):
    """A process refuses to start: a secret is missing or weak, or tokens could not be checked safely.
    The message names the variables, never their values."""


def weakness(variable: str, value: str) -> str | None:
    """Why `value` must not be used for `variable`, or None when it is strong enough."""
    if value.strip().lower() in PUBLISHED:
        return f"{variable} is a value published in the AptiChat repository: {HOW}"
    if len(value.encode()) < MIN_BYTES:
        return f"{variable} is too short (fewer than {MIN_BYTES} bytes): {HOW}"
    return None


def needed(settings: Settings) -> tuple[str, ...]:
    """The secrets this configuration uses: the HS256 key only when no RS256 public key is set."""
    return ("service_api_key",) if settings.jwt_public_key else SECRETS


def _configured(settings: Settings, attribute: str) -> str | None:
    value = getattr(settings, attribute)
    return value.get_secret_value() if value is not None else None


def check_secrets(settings: Settings) -> None:
    """Refuse to start with a missing (against a configured database) or weak secret, or RS256 tokens
    whose issuer and audience go unchecked; on the embedded default, generate what is missing."""
    problems = []
    for attribute in SECRETS:
        variable, value = env_name(attribute), _configured(settings, attribute)
        if value is not None:
            problems.append(weakness(variable, value))
        elif attribute not in needed(settings):
            continue
        elif settings.embedded:
            generated(settings.home, attribute)
        else:
            problems.append(f"{variable} is not set: {HOW}")
    salt = settings.log_user_salt
    if salt and salt.strip().lower() not in PUBLISHED:
        problems.append(weakness(env_name(SALT), salt))
    elif settings.embedded:
        generated(settings.home, SALT)
    else:
        problems.append(f"{env_name(SALT)} is not set: {HOW}")
    if settings.jwt_public_key and not settings.embedded:
        for attribute in ("jwt_issuer", "jwt_audience"):
            if not getattr(settings, attribute):
                problems.append(
                    f"{env_name(attribute)} is not set: RS256 tokens against a configured database must be "
                    "checked for their issuer and audience"
                )
    found = [problem for problem in problems if problem]
    if found:
        raise UnsafeConfiguration("refusing to start: " + "; ".join(found))


def secret_value(settings: Settings, attribute: str) -> str:
    """The secret in force: the configured value (refused when weak), else on the embedded default the
    generated one; against a configured database a missing one raises."""
    variable, value = env_name(attribute), _configured(settings, attribute)
    if value is None:
        if not settings.embedded:
            raise UnsafeConfiguration(f"{variable} is not set: {HOW}")
        return generated(settings.home, attribute)
    problem = weakness(variable, value)
    if problem:
        raise UnsafeConfiguration(problem)
    return value


def user_salt(settings: Settings) -> str:
    """The salt of user pseudonyms in force: the configured value unless it is the published default;
    else on the embedded default the install's generated one; against a configured database the
    published default is refused (check_secrets stops every process at start before this is reached)."""
    value = settings.log_user_salt
    if value and value.strip().lower() not in PUBLISHED:
        return value
    if settings.embedded:
        return generated(settings.home, SALT)
    raise UnsafeConfiguration(f"{env_name(SALT)} is not set: {HOW}")


def generated(home: Path, attribute: str) -> str:
    """The install's generated value of `attribute`, created on first use under `home/secrets/`."""
    return _generated(home.resolve(), attribute)


@cache
def _generated(home: Path, attribute: str) -> str:
    if attribute not in (*SECRETS, SALT):
        raise ValueError(f"not a secret: {attribute}")
    folder = home / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / attribute
    if not path.exists():
        _publish(path, base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("="))
    return _read(path, env_name(attribute))


def _publish(path: Path, value: str, done: str = "generated %s (a random secret of this install)") -> None:
    """Write `value` to `path` unless another process got there first. The value is written in full to
    a private temporary file, then hard-linked into place: the link is atomic and fails when `path`
    exists, so processes starting together all end up reading the first one's value, never half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
            log.info(done, path)
        except FileExistsError:
            pass  # another process published first: its value is the install's
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path, variable: str) -> str:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        path.chmod(0o600)
        log.warning("%s was readable by others (mode %o): now 0600", path, mode)
    deadline = time.monotonic() + 2
    while not (value := path.read_text(encoding="utf-8").strip()) and time.monotonic() < deadline:
        time.sleep(0.05)  # only a file written by hand can be empty here; give its writer a moment
    if not value:
        raise UnsafeConfiguration(f"{path} ({variable}) is empty: delete it to generate a new one, or set {variable}")
    problem = weakness(variable, value)
    if problem:
        raise UnsafeConfiguration(f"{path}: {problem}")
    return value


def carry_secrets(source_home: Path, target_home: Path) -> list[str]:
    """Copy the install's generated secrets to another APTICHAT_HOME that has none (a restore of this
    install's backup onto a fresh home is the same install: without its salt the erasure ledger's
    hashes match nobody and erased people would come back). Returns the names copied."""
    source, target = source_home.resolve() / "secrets", target_home.resolve() / "secrets"
    copied: list[str] = []
    if not source.is_dir():
        return copied
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    for attribute in (*SECRETS, SALT):
        if (source / attribute).is_file() and not (target / attribute).exists():
            value = (source / attribute).read_text(encoding="utf-8").strip()
            _publish(target / attribute, value, "copied %s from the install being restored")
            copied.append(attribute)
    return copied

"""Container entrypoint: turn Docker secrets into the environment variables AptiChat reads, build the
database URLs from the POSTGRES_* parts, then exec the command.

Why here and not in settings.py: secrets arrive as files (/run/secrets/...) so they never sit in
`docker inspect` output or in the compose file; the app keeps reading plain variables.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import quote

# NAME_FILE=/run/secrets/x  ->  NAME=<file contents>. Only these names: an arbitrary *_FILE variable
# of some other tool must not be read and exported by us.
SECRET_VARS = (
    "GEMINI_API_KEY",
    "APTICHAT_JWT_SECRET",
    "APTICHAT_SERVICE_API_KEY",
    "APTICHAT_LOG_USER_SALT",
    "APTICHAT_LEGACY_DATABASE_URL",
    "APTICHAT_DATABASE_URL",
    "POSTGRES_PASSWORD",
)


def load_secrets(env: dict[str, str]) -> None:
    """Read each NAME_FILE into NAME unless NAME is already set. An empty file (compose makes one from
    an unset variable) is a missing secret: NAME stays unset, so against a configured database the
    application refuses to start and names it (aptichat/secrets.py), instead of running on a default."""
    for name in SECRET_VARS:
        path = env.get(f"{name}_FILE")
        if path and not env.get(name):
            with open(path, encoding="utf-8") as handle:
                value = handle.read().strip()
            if value:
                env[name] = value
            else:
                env.pop(name, None)
                print(f"entrypoint: {name}_FILE ({path}) is empty: {name} is unset", file=sys.stderr)


def database_urls(env: dict[str, str]) -> None:
    """APTICHAT_DATABASE_URL from POSTGRES_HOST/PORT/USER/PASSWORD and APTICHAT_APP_DB, and Dagster's
    psycopg2 URL (dagster.yaml reads APTICHAT_DAGSTER_PG_URL) from the same server."""
    host = env.get("POSTGRES_HOST")
    if host and not env.get("APTICHAT_DATABASE_URL"):
        user = quote(env.get("POSTGRES_USER", "aptichat"), safe="")
        password = quote(env.get("POSTGRES_PASSWORD", ""), safe="")
        port = env.get("POSTGRES_PORT", "5432")
        database = env.get("APTICHAT_APP_DB", "aptichat")
        env["APTICHAT_DATABASE_URL"] = f"postgresql://{user}:{password}@{host}:{port}/{database}"
    if env.get("APTICHAT_DATABASE_URL") and not env.get("APTICHAT_DAGSTER_PG_URL"):
        os.environ.update(env)
        from aptichat.db.server import dagster_url  # the same rule the app uses, not a copy of it

        env["APTICHAT_DAGSTER_PG_URL"] = dagster_url()


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: aptichat-entrypoint COMMAND [ARGS...]")
    env = dict(os.environ)
    load_secrets(env)
    database_urls(env)
    os.execvpe(argv[0], argv, env)


if __name__ == "__main__":
    main(sys.argv[1:])

"""The `aptichat` command. Groups owned by the pipeline and API packages load lazily by name, so
the core never imports them and `aptichat db url` stays fast."""

from __future__ import annotations

import importlib
import json
import sys

import click

from aptichat.settings import get_settings

LAZY_GROUPS = {
    "legacy": ("aptichat_pipelines.cli", "legacy", "The legacy aptitude-test database: init, seed, simulate, import."),
    "catalog": ("aptichat_pipelines.cli", "catalog", "Import real job and major catalogs (O*NET, CIP)."),
    "token": ("aptichat_api.cli", "token", "Create bearer tokens for development."),
    "api": ("aptichat_api.cli", "api", "Run the HTTP API."),
    "signin": ("aptichat_api.cli", "signin", "One-time sign-in links for the browser."),
    "backup": ("aptichat.deploy.cli", "backup", "Back up, restore and verify the databases."),
    "platform": ("aptichat.platform", "platform", "Run the whole platform (what `make run` calls)."),
    "config": ("aptichat.config_docs", "config", "The settings and their documentation (docs/configuration.md)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_GROUPS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_GROUPS:
            module, attr, _ = LAZY_GROUPS[cmd_name]
            try:
                return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
            except (ImportError, AttributeError) as exc:
                raise click.ClickException(f"'{cmd_name}' is not available: {exc}") from exc
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
def main() -> None:
    """AptiChat: aptitude-test results turned into an advisor you can chat with."""
    from aptichat.logs import configure_logging

    configure_logging("cli")  # text unless APTICHAT_LOG_FORMAT=json


@main.group()
def db() -> None:
    """The app database (embedded PostgreSQL + pgvector unless APTICHAT_DATABASE_URL is set)."""


@db.command()
def start() -> None:
    """Start the embedded server (or attach to it) and create our databases."""
    from aptichat.db.server import app_url, embedded_status, start_embedded

    settings = get_settings()
    if not settings.embedded:
        click.echo("APTICHAT_DATABASE_URL is set: nothing embedded to start.")
        return
    start_embedded(settings)
    click.echo(json.dumps({**embedded_status(settings), "url": app_url(settings, driver=None)}))


@db.command()
def stop() -> None:
    """Stop the embedded server."""
    from aptichat.db.server import stop_embedded

    click.echo("stopped" if stop_embedded() else "not running")


@db.command()
def status() -> None:
    """Report whether the embedded server runs, without starting it."""
    from aptichat.db.server import embedded_status

    settings = get_settings()
    if not settings.embedded:
        click.echo(json.dumps({"embedded": False}))
        return
    report = embedded_status(settings)
    click.echo(json.dumps({"embedded": True, **report}))
    sys.exit(0 if report["running"] else 3)


@db.command()
@click.option("--database", type=click.Choice(["app", "legacy", "dagster"]), default="app")
def url(database: str) -> None:
    """Print a libpq URL (psql accepts it) of one of our databases; starts the server if needed."""
    from aptichat.db.server import app_url, dagster_url, legacy_url

    if database == "app":
        click.echo(app_url(driver=None))
    elif database == "legacy":
        click.echo(legacy_url(driver=None))
    else:
        click.echo(dagster_url().replace("postgresql+psycopg2", "postgresql"))


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from aptichat.db import migrate

    migrate.upgrade(revision=revision)
    click.echo(f"database at {revision}")


@db.command()
@click.argument("revision", default="base")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: empty)."""
    from aptichat.db import migrate

    migrate.downgrade(revision=revision)
    click.echo(f"database at {revision}")


if __name__ == "__main__":
    main()

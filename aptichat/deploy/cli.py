"""`aptichat backup create|restore|verify` (loaded lazily by aptichat.cli); the work is in
aptichat.deploy.backups. Schedule, retention and the restore runbook: docs/operations.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from aptichat.deploy.pgtools import BackupError
from aptichat.settings import get_settings


@click.group()
def backup() -> None:
    """Back up, restore and verify the app (chat_ tables) and Dagster databases."""


@backup.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to create (default: APTICHAT_BACKUP_DIR, else APTICHAT_HOME/backups, /aptichat-<UTC timestamp>).",
)
def create(out: Path | None) -> None:
    """pg_dump (custom format) of both databases plus manifest.json; prints the manifest."""
    from aptichat.deploy import backups

    settings = get_settings()
    out = out or settings.backups / backups.backup_name(datetime.now(UTC))
    try:
        manifest = backups.create(settings, out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"backup": str(out), **manifest}, indent=2))


@backup.command()
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--into-home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Restore into a fresh embedded server under this APTICHAT_HOME instead of the configured databases.",
)
@click.option("--clean", is_flag=True, help="Drop the target's existing tables first (default: refuse non-empty).")
@click.option(
    "--erasure-ledger",
    "ledgers",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Another erasures.ledger file (or the APTICHAT_HOME holding one) whose erasures to re-apply, e.g. the "
    "old machine's when restoring onto a new one. The target's own ledger and home are always read.",
)
def restore(src: Path, into_home: Path | None, clean: bool, ledgers: tuple[Path, ...]) -> None:
    """Restore SRC into the configured databases, or into a fresh embedded server (--into-home).
    Erasures recorded after the backup was taken are re-applied (docs/privacy.md)."""
    from aptichat.deploy import backups
    from aptichat.secrets import carry_secrets

    settings = get_settings()
    if into_home is not None:
        carry_secrets(settings.home, into_home)  # the same install: its salt makes the ledger match
        settings = settings.model_copy(update={"home": into_home, "database_url": None, "legacy_database_url": None})
    try:
        manifest = backups.restore(src, settings, clean=clean, ledger_files=ledgers)
        mismatches = manifest["count_mismatches"]  # against the backup, before erasures were re-applied
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    target = str(settings.pgdata) if settings.embedded else "configured databases"
    report = {"restored": str(src), "into": target, "count_mismatches": mismatches, "erasures": manifest["erasures"]}
    click.echo(json.dumps(report, indent=2))
    if mismatches:
        raise click.ClickException("restored, but row counts differ from the manifest (see count_mismatches)")


@backup.command("reapply-erasures")
@click.option(
    "--erasure-ledger",
    "ledgers",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Another erasures.ledger file (or the APTICHAT_HOME holding one); APTICHAT_HOME's is always read.",
)
def reapply_erasures(ledgers: tuple[Path, ...]) -> None:
    """Erase again everyone whose erasure the ledger files hold but the database does not (after a
    point-in-time recovery, or any restore made without `aptichat backup restore`)."""
    from aptichat.deploy import erasures

    settings = get_settings()
    click.echo(json.dumps(erasures.reapply(settings, erasures.live_ledger(settings, ledgers)), indent=2))


@backup.command()
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify(src: Path) -> None:
    """Restore SRC into a scratch embedded server, compare row counts, run a vector search; exit 1 on
    any difference."""
    from aptichat.deploy import backups

    try:
        report = backups.verify(src)
    except BackupError as exc:
        raise click.ClickException(f"backup NOT verified: {exc}") from exc
    click.echo(json.dumps(report, indent=2))


@backup.command()
@click.option("--dry-run", is_flag=True, help="Print what would be kept and deleted; delete nothing.")
def prune(dry_run: bool) -> None:
    """Apply retention to the backup folder: keep the newest backup of each of the last
    APTICHAT_BACKUP_KEEP_DAILY days and APTICHAT_BACKUP_KEEP_WEEKLY ISO weeks, delete the rest."""
    from aptichat.deploy import backups

    click.echo(json.dumps(backups.apply_retention(get_settings(), dry_run=dry_run), indent=2))

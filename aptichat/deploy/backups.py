"""Logical backups of the app database (chat_ tables + alembic_version) and of Dagster's database.

A backup is a folder: one pg_dump custom-format file per database and a manifest.json with the row
count of every table, each file's size and sha256, and the versions involved. Row counts are taken in
the *same snapshot* pg_dump reads (pg_export_snapshot + --snapshot), so a backup taken while the API
and the ETL write still matches its manifest exactly. The folder is written as `<name>.partial` and
renamed at the end, so a half-written backup never looks complete.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

import aptichat
from aptichat.db.server import app_url, dagster_url, start_embedded, stop_embedded
from aptichat.deploy.pgtools import BackupError, Conn, binary_version, pg_binary, run, sha256_file
from aptichat.settings import Settings

MANIFEST = "manifest.json"
BACKUP_PREFIX = "aptichat-"
STAMP = "%Y%m%dT%H%M%SZ"
FORMAT_VERSION = 1
# Tables with vectors and the key we report; the verification probes each one that has rows.
VECTOR_TABLES = {
    "chat_document_chunks": "id",
    "chat_jobs": "code",
    "chat_majors": "code",
    "chat_scale_guides": "guide_id",
}


@dataclass(frozen=True)
class Database:
    """One database of a backup: its key in the manifest, URL, and which tables belong to us."""

    key: str
    url: str
    # pg_dump --table patterns; None means the whole database (Dagster owns all of its tables)
    patterns: tuple[str, ...] | None

    @property
    def file(self) -> str:
        return f"{self.key}.dump"


def databases(settings: Settings) -> list[Database]:
    """The app DB (only our chat_ tables and the migration marker) and Dagster's storage."""
    return [
        Database("app", app_url(settings, driver=None), ("public.chat_*", "public.alembic_version")),
        Database("dagster", dagster_url(settings).replace("postgresql+psycopg2", "postgresql"), None),
    ]


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg2://", "postgresql://").replace("postgresql+psycopg://", "postgresql://")


def _tables(conn: psycopg.Connection[Any], db: Database) -> list[str]:
    query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    if db.patterns is not None:
        query += r" AND (tablename LIKE 'chat\_%' OR tablename = 'alembic_version')"
    return [row[0] for row in conn.execute(query + " ORDER BY tablename").fetchall()]


def _counts(conn: psycopg.Connection[Any], tables: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


@contextmanager
def _snapshot(url: str) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    """A read-only REPEATABLE READ transaction held open while pg_dump reads its exported snapshot."""
    with psycopg.connect(_libpq(url)) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        try:
            yield conn, str(row[0])
        finally:
            conn.rollback()


def _versions(settings: Settings, app: Database) -> dict[str, Any]:
    with psycopg.connect(_libpq(app.url)) as conn:
        server = conn.execute("SHOW server_version").fetchone()
        vector = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except psycopg.errors.UndefinedTable:
            conn.rollback()
            revision = None
    return {
        "aptichat": aptichat.__version__,
        "server": str(server[0]).split()[0] if server else None,
        "pgvector": vector[0] if vector else None,
        "pg_dump": binary_version(pg_binary(settings, "pg_dump")),
        "alembic_revision": revision[0] if revision else None,
    }


def create(settings: Settings, out: Path) -> dict[str, Any]:
    """Dump both databases into `out` (which must not exist yet) and write the manifest."""
    if out.exists():
        raise BackupError(f"{out} already exists: backups are never overwritten")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    dbs = databases(settings)
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": {
            "embedded": settings.embedded,
            "app_db": settings.app_db_name,
            "dagster_db": settings.dagster_db_name,
        },
        "embedding": {"model": settings.embedding_model, "dim": settings.embedding_dim},
        "versions": _versions(settings, dbs[0]),
        "databases": {},
    }
    pg_dump = pg_binary(settings, "pg_dump")
    for db in dbs:
        conn = Conn.from_sqlalchemy_url(db.url)
        target = partial / db.file
        with _snapshot(db.url) as (snap_conn, snapshot):
            tables = _tables(snap_conn, db)
            counts = _counts(snap_conn, tables)
            argv = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
            for pattern in db.patterns or ():
                argv.append(f"--table={pattern}")
            run([*argv, f"--dbname={conn.url}"], conn, f"pg_dump of {db.key}")
        manifest["databases"][db.key] = {
            "file": db.file,
            "bytes": target.stat().st_size,
            "sha256": sha256_file(target),
            "tables": counts,
        }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    partial.rename(out)
    return manifest


def backup_name(when: datetime) -> str:
    """The folder name `aptichat backup create` and the nightly job give a backup taken at `when`."""
    return f"{BACKUP_PREFIX}{when.astimezone(UTC).strftime(STAMP)}"


@dataclass(frozen=True)
class BackupInfo:
    """A complete backup folder (its manifest exists) and when it was taken (the manifest's created_at)."""

    path: Path
    created_at: datetime


def list_backups(folder: Path) -> list[BackupInfo]:
    """The complete backups directly under `folder`, newest first. `.partial` folders (unfinished) and
    folders without a readable manifest are not backups; their files are not checksummed here (that is
    load_manifest's job), so listing stays cheap enough for a metrics scrape."""
    found: list[BackupInfo] = []
    if not folder.is_dir():
        return found
    for child in folder.iterdir():
        if not child.is_dir() or child.name.endswith(".partial"):
            continue
        try:
            created = datetime.fromisoformat(json.loads((child / MANIFEST).read_text())["created_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        found.append(BackupInfo(child, created if created.tzinfo else created.replace(tzinfo=UTC)))
    return sorted(found, key=lambda b: (b.created_at, b.path.name), reverse=True)


def newest_backup_age_seconds(settings: Settings, now: datetime | None = None) -> float | None:
    """Seconds since the newest complete backup in `settings.backups` was taken; None when there is none.
    Exported as the gauge `aptichat_backup_newest_age_seconds` (alerted on in the monitoring rules)."""
    backups = list_backups(settings.backups)
    if not backups:
        return None
    return ((now or datetime.now(UTC)) - backups[0].created_at).total_seconds()


def plan_retention(
    backups: Sequence[BackupInfo], keep_daily: int, keep_weekly: int
) -> tuple[list[BackupInfo], list[BackupInfo]]:
    """(keep, delete). Kept: the newest backup of each of the `keep_daily` most recent UTC days that have
    a backup, and the newest of each of the `keep_weekly` most recent ISO weeks that have one. The newest
    backup is always kept (keep_daily >= 1 is enforced)."""
    if keep_daily < 1 or keep_weekly < 0:
        raise ValueError("keep_daily must be >= 1 and keep_weekly >= 0")
    ordered = sorted(backups, key=lambda b: (b.created_at, b.path.name), reverse=True)
    days: dict[Any, BackupInfo] = {}
    weeks: dict[Any, BackupInfo] = {}
    for b in ordered:  # newest first: the first seen per day/week is that bucket's newest
        when = b.created_at.astimezone(UTC)
        days.setdefault(when.date(), b)
        weeks.setdefault(when.isocalendar()[:2], b)
    kept_paths = {b.path for b in list(days.values())[:keep_daily]}
    kept_paths |= {b.path for b in list(weeks.values())[:keep_weekly]}
    keep = [b for b in ordered if b.path in kept_paths]
    delete = [b for b in ordered if b.path not in kept_paths]
    return keep, delete


def apply_retention(settings: Settings, dry_run: bool = False) -> dict[str, list[str]]:
    """Delete the backups plan_retention does not keep (and `.partial` leftovers more than a day old)
    from `settings.backups`; returns the names kept and deleted."""
    keep, delete = plan_retention(
        list_backups(settings.backups), settings.backup_keep_daily, settings.backup_keep_weekly
    )
    stale: list[Path] = []
    if settings.backups.is_dir():
        cutoff = datetime.now(UTC).timestamp() - 86400
        stale = [p for p in settings.backups.glob("*.partial") if p.is_dir() and p.stat().st_mtime < cutoff]
    if not dry_run:
        for path in [b.path for b in delete] + stale:
            shutil.rmtree(path)
    return {
        "kept": [b.path.name for b in keep],
        "deleted": [b.path.name for b in delete] + [p.name for p in stale],
    }


def load_manifest(src: Path) -> dict[str, Any]:
    """The manifest of a backup folder, after checking every file's size and sha256 against it."""
    path = src / MANIFEST
    if not path.exists():
        raise BackupError(f"{path} missing: not a backup folder (or an unfinished one)")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown manifest format {manifest.get('format')!r}")
    for key, entry in manifest["databases"].items():
        dump = src / entry["file"]
        if not dump.exists() or dump.stat().st_size != entry["bytes"] or sha256_file(dump) != entry["sha256"]:
            raise BackupError(f"{dump}: missing or does not match the manifest ({key}); do not restore it")
    return manifest


def _has_tables(url: str, db: Database) -> bool:
    with psycopg.connect(_libpq(url)) as conn:
        return bool(_tables(conn, db))


def restore(src: Path, target: Settings, clean: bool = False, ledger_files: Sequence[Path] = ()) -> dict[str, Any]:
    """Restore a backup into `target`'s databases (embedded: started here). A non-empty target is
    refused unless `clean`, so a typo in a URL cannot overwrite live data. Erasures recorded after the
    backup (the target's live ledger, `target.home`'s erasures.ledger and `ledger_files`) are
    re-applied afterwards (aptichat.deploy.erasures); the returned manifest gets `count_mismatches`
    (against the backup, before re-applying) and `erasures`."""
    from aptichat.deploy import erasures

    manifest = load_manifest(src)
    if target.embedded:
        start_embedded(target)
    ledger = erasures.live_ledger(target, ledger_files)
    pg_restore = pg_binary(target, "pg_restore")
    for db in databases(target):
        entry = manifest["databases"].get(db.key)
        if entry is None:
            continue
        if _has_tables(db.url, db) and not clean:
            raise BackupError(f"the {db.key} database of the target already has tables; pass --clean to replace them")
        if db.key == "app":
            # A --table dump carries no extensions; the vector type must exist before the tables.
            with psycopg.connect(_libpq(db.url), autocommit=True) as ext:
                ext.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn = Conn.from_sqlalchemy_url(db.url)
        # One transaction: a failed restore leaves the target as it was, never half-restored.
        argv = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        if clean:
            argv += ["--clean", "--if-exists"]
        run([*argv, f"--dbname={conn.url}", str(src / entry["file"])], conn, f"pg_restore of {db.key}")
        with psycopg.connect(_libpq(db.url), autocommit=True) as analyze:
            # pg_restore leaves no planner statistics; without them the first queries plan badly.
            analyze.execute("ANALYZE")
    manifest["count_mismatches"] = compare_counts(manifest, target)
    manifest["erasures"] = erasures.reapply(target, ledger)
    return manifest


def compare_counts(manifest: dict[str, Any], target: Settings) -> dict[str, dict[str, tuple[int, int]]]:
    """Tables whose row count differs from the manifest: {db: {table: (expected, found)}}."""
    mismatches: dict[str, dict[str, tuple[int, int]]] = {}
    for db in databases(target):
        expected: dict[str, int] = manifest["databases"].get(db.key, {}).get("tables", {})
        with psycopg.connect(_libpq(db.url)) as conn:
            found = _counts(conn, sorted(set(expected) | set(_tables(conn, db))))
        bad = {t: (expected.get(t, -1), found.get(t, -1)) for t in found if expected.get(t, -1) != found.get(t, -1)}
        if bad:
            mismatches[db.key] = bad
    return mismatches


def vector_self_match(target: Settings) -> dict[str, str]:
    """For each table with vectors: the nearest row to the first row's own embedding must be that row
    (distance 0). Proves the vectors and the vector type survived the round trip."""
    report: dict[str, str] = {}
    with psycopg.connect(_libpq(app_url(target, driver=None))) as conn:
        present = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        for table, key in VECTOR_TABLES.items():
            if table not in present:
                continue
            t, k = sql.Identifier(table), sql.Identifier(key)
            first = "SELECT {k}::text, embedding::text FROM {t} WHERE embedding IS NOT NULL ORDER BY {k} LIMIT 1"
            probe = conn.execute(sql.SQL(first).format(t=t, k=k)).fetchone()
            if probe is None:
                report[table] = "no vectors"
                continue
            nearest = conn.execute(
                sql.SQL(
                    "SELECT {k}::text, embedding <=> %s::vector AS d FROM {t} WHERE embedding IS NOT NULL "
                    "ORDER BY embedding <=> %s::vector LIMIT 5"
                ).format(t=t, k=k),
                (probe[1], probe[1]),
            ).fetchall()
            exact = {row[0] for row in nearest if float(row[1]) < 1e-6}
            if not nearest or float(nearest[0][1]) >= 1e-6 or probe[0] not in exact:
                raise BackupError(f"{table}: nearest to {key}={probe[0]} was {nearest[:1]}, not itself")
            report[table] = f"ok ({key}={probe[0]} finds itself)"
    return report


def verify(src: Path) -> dict[str, Any]:
    """Restore into a scratch embedded server, compare counts with the manifest, probe the vectors,
    then stop and delete the scratch server. Raises BackupError on any difference."""
    manifest = load_manifest(src)
    with tempfile.TemporaryDirectory(prefix="aptichat-verify-") as tmp:
        scratch = Settings(home=Path(tmp))
        try:
            restore(src, scratch)
            mismatches = compare_counts(manifest, scratch)
            if mismatches:
                raise BackupError(f"row counts differ from the manifest: {mismatches}")
            vectors = vector_self_match(scratch)
        finally:
            stop_embedded(scratch)
    tables = {key: len(entry["tables"]) for key, entry in manifest["databases"].items()}
    rows = {key: sum(entry["tables"].values()) for key, entry in manifest["databases"].items()}
    return {"ok": True, "backup": str(src), "tables": tables, "rows": rows, "vectors": vectors}

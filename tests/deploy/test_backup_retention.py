"""Retention and the backup-age gauge's function, on fake backup folders with chosen dates (no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aptichat.deploy import backups
from aptichat.settings import Settings


def fake_backup(folder: Path, when: datetime) -> Path:
    path = folder / backups.backup_name(when)
    path.mkdir(parents=True)
    (path / backups.MANIFEST).write_text(json.dumps({"format": 1, "created_at": when.isoformat(), "databases": {}}))
    return path


def test_no_backups_means_no_age(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert backups.newest_backup_age_seconds(settings) is None
    (tmp_path / "backups").mkdir()
    assert backups.newest_backup_age_seconds(settings) is None


def test_age_is_that_of_the_newest_complete_backup(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, backup_dir=tmp_path / "elsewhere")
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    fake_backup(settings.backups, now - timedelta(days=2))
    fake_backup(settings.backups, now - timedelta(hours=5))
    # an unfinished backup and a folder without a manifest are not backups, however new
    (settings.backups / (backups.backup_name(now) + ".partial")).mkdir()
    (settings.backups / "aptichat-garbage").mkdir()
    assert backups.newest_backup_age_seconds(settings, now=now) == 5 * 3600


def test_retention_keeps_newest_per_day_and_per_week(tmp_path: Path) -> None:
    # Nightly backups at 02:00 for 40 days ending Wed 2026-12-02, plus a second (manual) one on 12-01.
    end = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    nightly = [end - timedelta(days=d) for d in range(40)]
    manual = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    infos = [backups.BackupInfo(tmp_path / backups.backup_name(w), w) for w in [*nightly, manual]]
    keep, delete = backups.plan_retention(infos, keep_daily=3, keep_weekly=2)
    kept = sorted(b.created_at for b in keep)
    # daily: 12-02, 12-01 (the 14:30 one, the newest of that day), 11-30; weekly: the newest of ISO week 49
    # (12-02, already kept) and of week 48 (Sunday 11-29)
    assert kept == [
        datetime(2026, 11, 29, 2, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
        manual,
        end,
    ]
    assert len(delete) == 41 - 4
    assert datetime(2026, 12, 1, 2, 0, tzinfo=UTC) in {b.created_at for b in delete}


def test_retention_deletes_the_folders(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, backup_keep_daily=2, backup_keep_weekly=1)
    now = datetime.now(UTC)
    made = [fake_backup(settings.backups, now - timedelta(days=d)) for d in (0, 1, 2, 9)]
    dry = backups.apply_retention(settings, dry_run=True)
    assert all(p.exists() for p in made)
    report = backups.apply_retention(settings)
    assert report == dry
    # days 0 and 1 daily; the newest of this ISO week is day 0 already, so weekly adds nothing
    assert sorted(report["kept"]) == sorted(p.name for p in made[:2])
    assert [p.exists() for p in made] == [True, True, False, False]


def test_retention_refuses_to_keep_nothing() -> None:
    with pytest.raises(ValueError):
        backups.plan_retention([], keep_daily=0, keep_weekly=4)

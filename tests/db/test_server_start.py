"""First start of the embedded server: the platform's processes (webserver, daemon, code server, API)
all make sure the databases exist at the same moment. One creates them; the server log holds no
duplicate-key error from the others racing to CREATE DATABASE."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

START = """
from aptichat.db.server import _database_names, start_embedded
from aptichat.settings import get_settings
settings = get_settings()
wanted = {settings.app_db_name, settings.legacy_db_name, settings.dagster_db_name}
print(sorted(wanted - _database_names(start_embedded(settings))))
"""


def test_processes_starting_at_once_create_each_database_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "APTICHAT_HOME": str(home), "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR", "/tmp")}
    env.pop("APTICHAT_DATABASE_URL", None)
    try:
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", START], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(4)
        ]
        outputs = [process.communicate(timeout=180) for process in processes]
        assert [process.returncode for process in processes] == [0, 0, 0, 0], [err[-800:] for _, err in outputs]
        for out, _ in outputs:
            assert ast.literal_eval(out.strip().splitlines()[-1]) == []  # nothing missing
        server_log = (home / "pgdata" / "log").read_text(errors="replace")
        assert "duplicate key" not in server_log
        assert "ERROR" not in server_log
    finally:
        subprocess.run(
            [sys.executable, "-c", "from aptichat.db.server import stop_embedded; stop_embedded()"],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )

"""Nothing in aptichat_pipelines reads the settings when it is imported: the code location is assembled
by `@definitions` when Dagster loads it, and resources read their fallbacks when used."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil
    import aptichat.db.models  # the core's ORM sizes its vector column at import: not this package's doing
    import aptichat.settings

    def refuse(*args, **kwargs):
        raise RuntimeError("settings read at import")

    aptichat.settings.get_settings = refuse
    import aptichat_pipelines

    for module in pkgutil.walk_packages(aptichat_pipelines.__path__, "aptichat_pipelines."):
        importlib.import_module(module.name)
    print("ok")
    """
)


def test_no_module_reads_settings_at_import() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")

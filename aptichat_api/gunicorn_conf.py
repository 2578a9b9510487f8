"""gunicorn settings for `aptichat api serve` (`-c python:aptichat_api.gunicorn_conf`): /metrics in
prometheus_client's multiprocess mode, so a scrape reaches every worker's counters, not one worker's.

One directory per deployment: PROMETHEUS_MULTIPROC_DIR when the operator sets it, else
`APTICHAT_HOME/prometheus/api-<port>` (each colour of a blue-green pair on its own port, each
container its own home). The master empties it when it starts, before any worker is forked: counts
of a previous deployment must not be added to this one's, and the files of dead pids would pile up.
Workers load the app after the fork (no preload), so they import prometheus_client with the variable
already set. Nothing here imports prometheus_client at module level for the same reason.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ENV = "PROMETHEUS_MULTIPROC_DIR"

# Each worker touches its heartbeat file on every turn of its loop (every request or two): on tmpfs
# that is a memory write, on a disk-backed /tmp a journaled inode update (gunicorn's advice for
# containers). Gunicorn's default (the system temp dir) where there is no /dev/shm.
if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"


def metrics_dir(bind: list[str]) -> Path:
    """The deployment's directory: the operator's, else one per port under APTICHAT_HOME."""
    from aptichat.settings import get_settings

    settings = get_settings()
    if settings.prometheus_multiproc_dir is not None:
        return settings.prometheus_multiproc_dir
    port = bind[0].rsplit(":", 1)[-1] if bind else "8000"
    return Path(settings.home).resolve() / "prometheus" / f"api-{port}"


def reset_metrics_dir(directory: Path) -> None:
    """Create the directory and delete the value files a previous run left (only prometheus_client's
    `*.db` files: the directory may be one the operator named)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)


def on_starting(server: Any) -> None:
    directory = metrics_dir(list(server.cfg.bind))
    reset_metrics_dir(directory)
    os.environ[ENV] = str(directory)  # inherited by every worker forked from here on
    from aptichat.settings import get_settings

    get_settings.cache_clear()  # the workers' settings (forked from here) read the directory set above


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges (the chat cache counters) leave the sum; its counters stay."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

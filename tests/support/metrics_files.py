"""Per-worker counts from prometheus_client's multiprocess directory: a gunicorn API started with
PROMETHEUS_MULTIPROC_DIR=<dir> writes one counter_<pid>.db per worker, and /metrics sums them; reading
each file on its own tells which worker served what (tests that must prove both workers took traffic)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def requests_per_worker(directory: Path, endpoint_part: str) -> dict[str, float]:
    """pid -> aptichat_http_requests_total of the endpoints containing `endpoint_part`, per worker."""
    from prometheus_client.multiprocess import MultiProcessCollector

    counts: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="aptichat-metrics-split-") as scratch:
        for values in sorted(directory.glob("counter_*.db")):
            alone = Path(scratch, values.stem)
            alone.mkdir()
            shutil.copy(values, alone / values.name)
            pid = values.stem.removeprefix("counter_")
            counts[pid] = 0.0
            for family in MultiProcessCollector(None, path=str(alone)).collect():
                for sample in family.samples:
                    if sample.name == "aptichat_http_requests_total" and endpoint_part in sample.labels["endpoint"]:
                        counts[pid] += sample.value
    return counts

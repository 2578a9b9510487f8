"""A snapshot of the code location: assets, deps, groups, partitions, checks, jobs, sensors, resources.

Modelled on dagster-open-platform's `test_defs.py`: moving or renaming modules must not change what
Dagster sees. A deliberate change to the graph regenerates the snapshot with
`APTICHAT_UPDATE_DEFS_SNAPSHOT=1 .venv/bin/pytest tests/pipelines/test_defs_snapshot.py` and commits it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dagster import Definitions

SNAPSHOT = Path(__file__).parent / "snapshots" / "defs.json"


def _partitions(partitions_def: Any) -> dict[str, Any] | None:
    if partitions_def is None:
        return None
    return {"type": type(partitions_def).__name__, "name": getattr(partitions_def, "name", None)}


def _retry(policy: Any) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {"max_retries": policy.max_retries, "delay": policy.delay, "backoff": str(policy.backoff)}


def snapshot(defs: Definitions) -> dict[str, Any]:
    """What Dagster sees of the code location, as plain sorted JSON."""
    graph = defs.resolve_asset_graph()
    assets: dict[str, Any] = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        backfill = node.backfill_policy
        assets[key.to_user_string()] = {
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "partitions": _partitions(node.partitions_def),
            "backfill_policy": None if backfill is None else str(backfill.policy_type),
            "pools": sorted(p for p in node.pools or [] if p),
            "checks": sorted(c.name for c in node.check_keys),
            "blocking_checks": sorted(spec.name for spec in node.assets_def.check_specs if spec.blocking),
            "io_manager_key": node.io_manager_key,
            "retry_policy": _retry(node.assets_def.op.retry_policy),
        }
    jobs: dict[str, Any] = {}
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue  # Dagster's implicit asset job
        jobs[job.name] = {
            "assets": sorted(k.to_user_string() for k in job.asset_layer.executable_asset_keys),
            "partitions": _partitions(job.partitions_def),
            "executor": job.executor_def.name,
        }
    sensors: dict[str, Any] = {}
    for sensor in sorted(defs.sensors or [], key=lambda s: s.name):
        targets = sorted(t.job_name for t in sensor.targets) if sensor.targets else []
        monitored = getattr(sensor, "_monitored_jobs", None)  # run status sensors: no public accessor
        sensors[sensor.name] = {
            "type": type(sensor).__name__,
            "targets": targets,
            "monitored": sorted(getattr(j, "name", str(j)) for j in monitored) if monitored else None,
            "run_status": str(getattr(sensor, "_run_status", None) or "") or None,
            "minimum_interval_seconds": sensor.minimum_interval_seconds,
            "default_status": str(sensor.default_status),
            "required_resources": sorted(sensor.required_resource_keys),
        }
    schedules = sorted(s.name for s in defs.schedules or [])
    resources = {key: type(value).__name__ for key, value in sorted((defs.resources or {}).items())}
    return {"assets": assets, "jobs": jobs, "sensors": sensors, "schedules": schedules, "resources": resources}


def test_definitions_match_the_committed_snapshot() -> None:
    from aptichat_pipelines.definitions import defs

    current = snapshot(defs())
    if os.environ.get("APTICHAT_UPDATE_DEFS_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == expected

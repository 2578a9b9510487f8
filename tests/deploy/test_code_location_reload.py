"""The Dagster code location updates without dropping runs, on a real `dagster dev`: two code servers
(the old and the new version), a run in flight on the old one, then `aptichat.deploy.code_location`
switches the workspace to the new server (reloadWorkspace over GraphQL) and drains the old one. The run
finishes with SUCCESS, the old server exits only after it, and the webserver serves the new version.

The location is a small one (tests/deploy/code_location/location.py: a job that sleeps, and a job
named after the version) so the run in flight costs seconds; the servers are the same `dagster
code-server start` that serves aptichat_pipelines in compose."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.dagster_dev import DagsterDev, dagster_dev, wait_for
from support.processes import free_port, stop

from aptichat.db.server import dagster_url
from aptichat.deploy import code_location
from aptichat.settings import Settings

pytestmark = pytest.mark.slow
LOCATION = Path(__file__).parent / "code_location" / "location.py"

LOCATION_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  displayMetadata { key value }
  locationOrLoadError { ... on RepositoryLocation { repositories { jobs { name } } } } } } } }"""


def code_server(port: int, version: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "dagster", "code-server", "start", "-f", str(LOCATION)]
    argv += ["-h", "127.0.0.1", "-p", str(port), "--location-name", "aptichat"]
    with log.open("wb") as out:
        return subprocess.Popen(
            argv, env={**env, "LOCATION_VERSION": version}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def loaded_jobs(dev: DagsterDev) -> tuple[set[str], str | None]:
    entry = dev.graphql(LOCATION_QUERY)["workspaceOrError"]["locationEntries"][0]
    port = {m["key"]: m["value"] for m in entry["displayMetadata"]}.get("port")
    repos = (entry["locationOrLoadError"] or {}).get("repositories") or []
    return {j["name"] for r in repos for j in r["jobs"]}, port


def launch(dev: DagsterDev, job: str) -> str:
    data = dev.graphql(
        """mutation Launch($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
             ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
        {"p": {"selector": {"repositoryLocationName": "aptichat", "repositoryName": "__repository__", "jobName": job}}},
    )
    result: dict[str, Any] = data["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return str(result["run"]["runId"])


def run_status(dev: DagsterDev, run_id: str) -> str:
    data = dev.graphql("query R($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})
    return str(data["runOrError"]["status"])


def test_switch_reloads_the_workspace_and_drains_the_old_server_without_dropping_its_run(
    tmp_path: Path, pg_server: object, settings: Settings
) -> None:
    db = f"{settings.dagster_db_name}_reload{uuid.uuid4().hex[:4]}"
    pg_server.psql(f'CREATE DATABASE "{db}";')  # type: ignore[attr-defined]
    env = {
        **os.environ,
        "APTICHAT_DAGSTER_PG_URL": dagster_url(settings.model_copy(update={"dagster_db_name": db})),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "LOCATION_RUN_SECONDS": "6",
    }
    old_port, new_port = free_port(), free_port()
    old = code_server(old_port, "1", env, tmp_path / "old.log")
    new = code_server(new_port, "2", env, tmp_path / "new.log")
    workspace = tmp_path / "workspace.yaml"
    server = {"host": "127.0.0.1", "port": old_port, "location_name": "aptichat"}
    workspace.write_text(yaml.safe_dump({"load_from": [{"grpc_server": server}]}))
    try:
        for port, proc in ((old_port, old), (new_port, new)):
            wait_for(lambda p=port: code_location.alive("127.0.0.1", p), 60, f"code server on {port}")  # type: ignore[misc]
            assert proc.poll() is None
        # The webserver and daemon read our workspace file itself (dagster dev otherwise copies it into a
        # temp file of its own at start), as dagster-webserver -w / dagster-daemon run -w do in compose.
        legacy = ("--use-legacy-code-server-behavior",)
        with dagster_dev(tmp_path / "dagster_home", env, workspace=workspace, extra_args=legacy) as dev:
            assert loaded_jobs(dev) == ({"in_flight", "version_1"}, str(old_port))
            run_id = launch(dev, "in_flight")
            wait_for(lambda: run_status(dev, run_id) == "STARTED", 90, "the run to start", dev.log_tail)
            webserver = f"http://127.0.0.1:{dev.port}"
            assert code_location.runs_on(webserver, "127.0.0.1", old_port) == [run_id]  # launched on the old one

            # daemon_refresh 0: no run is queued here, so nothing can be launched on the draining server
            report = code_location.switch(
                workspace, webserver, "aptichat", ("127.0.0.1", new_port), 0, drain_timeout=90
            )
            assert report["drained_runs"] == [run_id]
            assert report["from"] == f"127.0.0.1:{old_port}" and report["to"] == f"127.0.0.1:{new_port}"
            # drain returned once the old server stopped answering: its run had already ended, and well
            assert run_status(dev, run_id) == "SUCCESS", dev.run_events(run_id)
            assert old.wait(timeout=30) == 0
            assert new.poll() is None
            assert loaded_jobs(dev) == ({"in_flight", "version_2"}, str(new_port))
            assert yaml.safe_load(workspace.read_text())["load_from"][0]["grpc_server"]["port"] == new_port
            # Not launched here: a run after the switch. The daemon re-reads the workspace only every 60 s
            # (RELOAD_WORKSPACE_INTERVAL), and until then launches on the old address: tried, such a run
            # failed with "connection refused". That is why `switch` waits 65 s by default before draining.
    finally:
        for proc in (old, new):
            if proc.poll() is None:
                stop(proc)
        pg_server.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE);')  # type: ignore[attr-defined]


def test_point_workspace_refuses_an_unknown_location_and_keeps_other_entries(tmp_path: Path) -> None:
    import click

    workspace = tmp_path / "workspace.yaml"
    entries = [
        {"grpc_server": {"host": "dagster-code", "port": 4000, "location_name": "aptichat"}},
        {"python_module": {"module_name": "other", "location_name": "other"}},
    ]
    workspace.write_text(yaml.safe_dump({"load_from": entries}))
    assert code_location.point_workspace(workspace, "aptichat", "dagster-code-green", 4001) == ("dagster-code", 4000)
    after = yaml.safe_load(workspace.read_text())["load_from"]
    assert after[0]["grpc_server"] == {"host": "dagster-code-green", "port": 4001, "location_name": "aptichat"}
    assert after[1] == entries[1]
    with pytest.raises(click.ClickException, match="no grpc_server entry"):
        code_location.point_workspace(workspace, "missing", "h", 1)

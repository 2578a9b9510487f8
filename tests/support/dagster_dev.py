"""Start `dagster dev` against a temporary DAGSTER_HOME for end-to-end tests, and talk GraphQL to it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from aptichat.platform_processes import stop_group
from support.processes import free_port

REPO = Path(__file__).resolve().parents[2]


class DagsterDev:
    def __init__(self, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.port = port
        self.proc = proc
        self.log = log

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.post(self.graphql_url, json={"query": query, "variables": variables or {}}, timeout=30)
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise AssertionError(f"GraphQL errors: {body['errors']}")
        return body["data"]  # type: ignore[no-any-return]

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        data = self.graphql(
            """query Runs($limit: Int) { runsOrError(limit: $limit) { __typename
                 ... on Runs { results { runId status jobName tags { key value } } } } }""",
            {"limit": limit},
        )
        return data["runsOrError"]["results"]  # type: ignore[no-any-return]

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def run_events(self, run_id: str, limit: int = 200) -> str:
        """A run's event log as lines `time step type: message` (for a failing test's message)."""
        data = self.graphql(
            """query Events($id: ID!, $limit: Int) { logsForRun(runId: $id, limit: $limit) { __typename
                 ... on EventConnection { events { __typename
                   ... on MessageEvent { message timestamp stepKey eventType } } } } }""",
            {"id": run_id, "limit": limit},
        )
        events = data["logsForRun"].get("events") or []
        return "\n".join(
            f"{time.strftime('%H:%M:%S', time.gmtime(int(e['timestamp']) / 1000))} {e.get('stepKey') or '-'} "
            f"{e.get('eventType') or e['__typename']}: {(e.get('message') or '')[:200]}"
            for e in events
        )


@contextmanager
def dagster_dev(
    home: Path,
    env: dict[str, str],
    timeout: float = 90,
    workspace: Path | None = None,
    extra_args: tuple[str, ...] = (),
) -> Iterator[DagsterDev]:
    """`dagster dev` (webserver + daemon) in its own process group; stopped with SIGINT to the group."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    log = home / "dagster-dev.log"
    full_env = {**os.environ, **env, "DAGSTER_HOME": str(home)}
    cmd = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-w",
        str(workspace or REPO / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        *extra_args,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    dev = DagsterDev(port, proc, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"dagster dev exited early:\n{dev.log_tail()}")
            try:
                dev.graphql("{ version }")
                break
            except (requests.RequestException, AssertionError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"dagster dev did not answer in {timeout}s:\n{dev.log_tail()}") from None
                time.sleep(1)
        yield dev
    finally:
        stop_group(proc, signal.SIGINT, 30)


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, log: Callable[[], str] = lambda: "") -> Any:
    """Poll `predicate` each second until it returns something truthy; fail with `log()` appended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{log()}")


# --- asset partitions and backfills over GraphQL (what the UI's "Materialize" -> backfill dialog sends) ---


def partition_keys(dev: DagsterDev, asset: str) -> list[str]:
    """The asset's partition keys in partition order (for dynamic partitions: the order they were added)."""
    data = dev.graphql(
        """query Keys($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) { __typename
             ... on AssetNode { partitionKeys } } }""",
        {"path": [asset]},
    )
    return list(data["assetNodeOrError"].get("partitionKeys") or [])


def launch_asset_backfill(dev: DagsterDev, assets: list[str], partitions: list[str], title: str | None = None) -> str:
    """`launchPartitionBackfill` with an asset selection and partition names, as the asset backfill dialog
    does; returns the backfill id."""
    data = dev.graphql(
        """mutation Launch($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
             __typename ... on LaunchBackfillSuccess { backfillId }
             ... on Error { message } } }""",
        {
            "params": {
                "assetSelection": [{"path": [a]} for a in assets],
                "partitionNames": partitions,
                "fromFailure": False,
                "title": title,
            }
        },
    )
    result = data["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise AssertionError(f"backfill not launched: {result}")
    return str(result["backfillId"])


def backfill_status(dev: DagsterDev, backfill_id: str) -> dict[str, Any]:
    """Status, partitions and runs of one backfill."""
    data = dev.graphql(
        """query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
             ... on PartitionBackfill { id status numPartitions partitionNames
               runs { runId status tags { key value } } error { message } }
             ... on Error { message } } }""",
        {"id": backfill_id},
    )
    return data["partitionBackfillOrError"]  # type: ignore[no-any-return]

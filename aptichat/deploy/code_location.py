"""Update the Dagster code location without dropping runs: new code server, workspace reload, old
server drained.

A run launched by the default run launcher executes as a child process of the code server that
launched it, so stopping that server kills its runs. The update therefore never stops a server with
runs in it:

1. start the new version's code server beside the old one (another host or port);
2. point the location's `grpc_server` entry of workspace.yaml at it and call the webserver's
   `reloadWorkspace` GraphQL mutation (it re-reads the file; `reloadRepositoryLocation` would only
   reconnect to the same host and port);
3. wait for the daemon: it re-reads the workspace by itself every 60 s (dagster's
   RELOAD_WORKSPACE_INTERVAL), and until then it may launch a queued run on the old server;
4. drain the old server: `ShutdownServer` makes it refuse new runs and exit once its current runs
   have finished (Dagster's own mechanism, the one `dagster code-server start` uses on a code reload).

    python -m aptichat.deploy.code_location --workspace /opt/dagster/workspace.yaml \\
        --webserver http://127.0.0.1:3000 switch --location aptichat --to dagster-code-green:4000

Runbook: docs/operations.md, "Updating the Dagster code location". On Kubernetes (K8sRunLauncher) runs
are pods of their own, so replacing the code server never touches a run (docs/scaling.md).
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import click
import yaml

WORKSPACE_QUERY = """mutation { reloadWorkspace { __typename
  ... on Workspace { locationEntries { name loadStatus displayMetadata { key value }
    locationOrLoadError { __typename ... on PythonError { message } } } }
  ... on PythonError { message } ... on UnauthorizedError { message } } }"""
RUNS_QUERY = """{ runsOrError(filter: {statuses: [STARTING, STARTED, CANCELING]}) { ... on Runs { results {
  runId repositoryOrigin { repositoryLocationMetadata { key value } } } } } }"""
DAEMON_REFRESH_S = 65  # dagster's RELOAD_WORKSPACE_INTERVAL (60 s) and a margin


def parse_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"{address!r}: expected host:port")
    return host, int(port)


def point_workspace(workspace: Path, location: str, host: str, port: int) -> tuple[str, int]:
    """Set the `grpc_server` entry of `location` to host:port (written atomically); returns the previous
    address. Other entries and keys are kept."""
    data: dict[str, Any] = yaml.safe_load(workspace.read_text()) or {}
    for entry in data.get("load_from", []):
        server = entry.get("grpc_server")
        if server and server.get("location_name") == location:
            previous = (str(server["host"]), int(server["port"]))
            server["host"], server["port"] = host, port
            tmp = workspace.with_name(workspace.name + ".tmp")
            tmp.write_text(yaml.safe_dump(data, sort_keys=False))
            tmp.replace(workspace)
            return previous
    raise click.ClickException(f"{workspace} has no grpc_server entry named {location!r}")


def _graphql(webserver: str, query: str) -> dict[str, Any]:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(
        webserver.rstrip("/") + "/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer: dict[str, Any] = json.loads(response.read())
    if answer.get("errors"):
        raise click.ClickException(f"GraphQL errors: {answer['errors']}")
    return answer["data"]  # type: ignore[no-any-return]


def reload_workspace(webserver: str) -> dict[str, dict[str, Any]]:
    """`reloadWorkspace` on the webserver; per location: load status, host, port and any load error."""
    result = _graphql(webserver, WORKSPACE_QUERY)["reloadWorkspace"]
    if result["__typename"] != "Workspace":
        raise click.ClickException(f"reloadWorkspace: {result['__typename']}: {result.get('message')}")
    locations: dict[str, dict[str, Any]] = {}
    for entry in result["locationEntries"]:
        meta = {item["key"]: item["value"] for item in entry["displayMetadata"]}
        loaded = entry["locationOrLoadError"] or {}
        locations[entry["name"]] = {
            "status": entry["loadStatus"],
            "host": meta.get("host"),
            "port": int(meta["port"]) if meta.get("port") else None,
            "error": loaded.get("message") if loaded.get("__typename") == "PythonError" else None,
        }
    return locations


def _client(host: str, port: int) -> Any:
    from dagster._grpc.client import DagsterGrpcClient  # the client Dagster's own tools use

    return DagsterGrpcClient(port=port, host=host)


def runs_on(webserver: str, host: str, port: int) -> list[str]:
    """Ids of the runs not yet finished that were launched through the code server at host:port (a run
    records its location's address in its origin; `dagster code-server start` does not answer the
    GetCurrentRuns call itself)."""
    data = _graphql(webserver, RUNS_QUERY)["runsOrError"]
    found = []
    for run in data.get("results", []):
        meta = {m["key"]: m["value"] for m in (run["repositoryOrigin"] or {}).get("repositoryLocationMetadata", [])}
        if meta.get("host") == host and meta.get("port") == str(port):
            found.append(str(run["runId"]))
    return found


def alive(host: str, port: int) -> bool:
    try:
        _client(host, port).ping("drain")
        return True
    except Exception:  # any gRPC failure means it no longer answers
        return False


def drain(webserver: str, host: str, port: int, timeout: float) -> list[str]:
    """Tell the server at host:port to stop taking runs and exit after its current ones; wait until it
    no longer answers. Returns the runs it was executing when told."""
    running = runs_on(webserver, host, port)
    _client(host, port).shutdown_server()
    deadline = time.monotonic() + timeout
    while alive(host, port):
        if time.monotonic() > deadline:
            raise click.ClickException(
                f"{host}:{port} still running after {timeout:.0f}s (runs {runs_on(webserver, host, port)}); "
                "it refuses new runs: wait, or terminate those runs in the UI"
            )
        time.sleep(0.5)
    return running


def switch(
    workspace: Path, webserver: str, location: str, new: tuple[str, int], daemon_refresh_s: float, drain_timeout: float
) -> dict[str, Any]:
    """Steps 2-4 of the module docstring (the new server must already answer)."""
    if not alive(*new):
        raise click.ClickException(f"the new code server {new[0]}:{new[1]} does not answer: nothing changed")
    old = point_workspace(workspace, location, *new)
    loaded = reload_workspace(webserver).get(location)
    if not loaded or loaded["status"] != "LOADED" or loaded["error"] or loaded["port"] != new[1]:
        point_workspace(workspace, location, *old)
        reload_workspace(webserver)
        raise click.ClickException(f"{location} did not load from {new[0]}:{new[1]} ({loaded}); workspace put back")
    time.sleep(daemon_refresh_s)
    drained = drain(webserver, *old, timeout=drain_timeout) if old != new else []
    return {"location": location, "from": f"{old[0]}:{old[1]}", "to": f"{new[0]}:{new[1]}", "drained_runs": drained}


@click.group()
@click.option("--workspace", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--webserver", default="http://127.0.0.1:3000", show_default=True, help="Dagster webserver URL.")
@click.pass_context
def cli(ctx: click.Context, workspace: Path, webserver: str) -> None:
    """Zero-downtime updates of a Dagster code location (docs/operations.md)."""
    ctx.obj = {"workspace": workspace, "webserver": webserver}


@cli.command("switch")
@click.option("--location", default="aptichat", show_default=True)
@click.option("--to", "to", required=True, help="host:port of the new code server (already started).")
@click.option(
    "--daemon-refresh",
    type=float,
    default=DAEMON_REFRESH_S,
    show_default=True,
    help="Seconds to wait before draining, so the daemon has re-read the workspace (0 after restarting the daemon).",
)
@click.option("--drain-timeout", type=float, default=6 * 3600, show_default=True)
@click.pass_obj
def switch_command(obj: dict[str, Any], location: str, to: str, daemon_refresh: float, drain_timeout: float) -> None:
    """Point LOCATION at the new server, reload the workspace, then drain the old server."""
    report = switch(obj["workspace"], obj["webserver"], location, parse_address(to), daemon_refresh, drain_timeout)
    click.echo(json.dumps(report, indent=2))


@cli.command()
@click.argument("address")
@click.pass_obj
def runs(obj: dict[str, Any], address: str) -> None:
    """Unfinished runs launched through the code server at ADDRESS (host:port): what a drain waits for."""
    click.echo(json.dumps(runs_on(obj["webserver"], *parse_address(address))))


if __name__ == "__main__":
    cli(prog_name="code_location")

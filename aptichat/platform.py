"""`aptichat platform run`: the whole platform on one machine (what `make run` calls).

Starts (or reuses) the embedded PostgreSQL, migrates, prepares the legacy database with a demo
population when it is empty, then runs `dagster dev` (UI + daemon) and the API under gunicorn, each in
its own process group. Ctrl-C (or SIGTERM) stops everything it started; the data stays for next time.
Other packages are reached as subprocesses, so the core imports neither of them.

Every descendant carries the platform's marker (aptichat/platform_processes.py): a stop ends them all,
even the code servers and run workers that left their process group, and a start first reaps what a
platform killed with SIGKILL left behind on the same APTICHAT_HOME. The runs such a crash left STARTED
are failed and retried by Dagster's run monitoring (aptichat_pipelines/run_recovery.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import click

from aptichat.platform_processes import HOME_VAR, ID_VAR, PlatformLock, platform_processes, stop_group, terminate
from aptichat.settings import Settings, get_settings

REPO = Path(__file__).resolve().parent.parent


def _aptichat(*args: str) -> list[str]:
    return [sys.executable, "-m", "aptichat.cli", *args]


def platform_env(dagster_home: Path, marker: tuple[Path, str] | None = None) -> dict[str, str]:
    """Environment for the child processes: Dagster's storage URL and home, and the platform's marker
    (APTICHAT_HOME, id of this start) that every descendant inherits."""
    from aptichat.db.server import dagster_url

    env = dict(os.environ)
    if marker is not None:
        env[HOME_VAR], env[ID_VAR] = str(marker[0].resolve()), marker[1]
    env.setdefault("XDG_RUNTIME_DIR", "/tmp")
    env["APTICHAT_DAGSTER_PG_URL"] = dagster_url()
    env["DAGSTER_HOME"] = str(dagster_home)
    env["HF_HUB_OFFLINE"] = "1"
    # a terminal, not a log shipper: readable lines unless the operator asked for JSON
    env.setdefault("APTICHAT_LOG_FORMAT", "text")
    return env


def _start(cmd: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    click.echo(f"[platform] starting {name}: {' '.join(cmd)}")
    # Own process group: a non-interactive shell starts children with SIGINT ignored, and dagster dev
    # only stops cleanly when its whole group gets SIGINT.
    return subprocess.Popen(cmd, env=env, cwd=REPO, start_new_session=True)


def _stop(proc: subprocess.Popen[bytes], name: str, sig: int = signal.SIGINT, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    click.echo(f"[platform] stopping {name}")
    stop_group(proc, sig, timeout)


@click.group()
def platform() -> None:
    """Run the whole platform."""


@platform.command()
@click.option("--demo-users", type=int, default=lambda: get_settings().demo_users)
@click.option("--dagster-port", type=int, default=3000)
@click.option("--no-api", is_flag=True, help="Start only the database and Dagster.")
@click.option(
    "--dagster-home",
    type=click.Path(file_okay=False, path_type=Path),
    default=REPO / "dagster_home",
    show_default=True,
    help="DAGSTER_HOME (holds dagster.yaml).",
)
def run(demo_users: int, dagster_port: int, no_api: bool, dagster_home: Path) -> None:
    """Database + migrations + demo population + Dagster (UI and daemon) + API, until Ctrl-C."""
    settings = get_settings()
    platform_id = uuid.uuid4().hex
    lock = PlatformLock(settings.home, platform_id)
    try:
        lock.acquire()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        reap_previous(settings.home)
        _run(settings, platform_id, demo_users, dagster_port, no_api, dagster_home.resolve())
    finally:
        lock.release()


def reap_previous(home: Path) -> None:
    """End what a platform killed on this home left behind (code servers, run workers, the UI...)."""
    leftovers = platform_processes(home)
    if not leftovers:
        return
    click.echo(
        f"[platform] {len(leftovers)} process(es) of a previous platform still running on {home}: "
        + ", ".join(f"{p.command}[{p.pid}]" for p in leftovers[:10])
        + "; stopping them"
    )
    terminate(leftovers, grace_s=10)


def _run(
    settings: Settings, platform_id: str, demo_users: int, dagster_port: int, no_api: bool, dagster_home: Path
) -> None:
    from aptichat.db import migrate
    from aptichat.db.server import app_url, embedded_status, start_embedded, stop_embedded

    started_db = False
    if settings.embedded:
        started_db = not embedded_status(settings)["running"]
        start_embedded(settings)
    migrate.upgrade()
    click.echo(f"[platform] app database migrated: {app_url(settings, driver=None)}")
    subprocess.run(_aptichat("legacy", "init"), check=True, cwd=REPO)
    subprocess.run(_aptichat("legacy", "seed", "--users", str(demo_users), "--if-empty"), check=True, cwd=REPO)

    env = platform_env(dagster_home, (settings.home, platform_id))
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        dagster = [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            str(REPO / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(dagster_port),
            # warnings only: the daemon otherwise logs every sensor tick; runs are in the UI
            "--log-level",
            "warning",
        ]
        children.append(("dagster", _start(dagster, env, "dagster dev")))
        if not no_api:
            children.append(("api", _start(_aptichat("api", "serve"), env, "API")))
        click.echo(
            f"[platform] Dagster UI: http://127.0.0.1:{dagster_port}  "
            f"API and chat page: http://{settings.api_host}:{settings.api_port}/  (Ctrl-C stops everything)"
        )
        if not no_api and settings.embedded:  # sign-in links for demo people, a counsellor and an admin
            subprocess.run(_aptichat("signin", "demo"), cwd=REPO, check=False)
        while not stopping:
            for name, proc in children:
                if proc.poll() is not None:
                    click.echo(f"[platform] {name} exited with {proc.returncode}; stopping the rest")
                    stopping = True
            time.sleep(0.5)
    finally:
        for name, proc in reversed(children):
            _stop(proc, name, signal.SIGINT if name == "dagster" else signal.SIGTERM)
        # code servers and run workers outside dagster dev's group, anything that did not stop in time
        left = platform_processes(settings.home, platform_id)
        if left:
            click.echo(
                f"[platform] stopping {len(left)} remaining process(es): " + ", ".join(p.command for p in left[:10])
            )
            terminate(left, grace_s=10)
        if started_db:
            stop_embedded(settings)
            click.echo("[platform] embedded database stopped (data kept under APTICHAT_HOME)")

"""Blue-green deploys of the API: bring up the idle colour, wait for its /readyz, switch the proxy,
keep the old colour running for an instant rollback.

The switch is one small file, the nginx include that defines `upstream aptichat_api`. nginx reloads
gracefully (old workers finish their requests), and the local Python proxy (aptichat.deploy.proxy)
re-reads the file per request, so neither drops a request. Two backends:

- compose: `docker compose run --rm --no-deps api-<colour> aptichat db upgrade` (the expand step,
  with the new image), then `up -d --no-deps --force-recreate api-<colour>`; the include lives in the
  proxy's volume, nginx -t and nginx -s reload via exec.
- local: the colours are `aptichat api serve` processes on loopback ports; the include is a file
  under --state-dir, optionally checked and reloaded by commands (a real nginx) or read by our proxy.

    python -m aptichat.deploy.bluegreen --mode compose --env-file .env.production deploy --tag 0.2.0
    python -m aptichat.deploy.bluegreen rollback        # back to the colour still running
    python -m aptichat.deploy.bluegreen retire          # stop the idle colour once satisfied
    python -m aptichat.deploy.bluegreen --dry-run deploy --tag 0.2.0   # print the plan, change nothing

--dry-run reads the active colour (a read changes nothing; an unreachable target reads as none) and
prints every command, file write and readiness wait the real run would make, in order; the CD
workflow runs it before the real switch (.github/workflows/cd.yml).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import click

COLOURS = ("blue", "green")
_ACTIVE = re.compile(r"active=(blue|green)")


def other(colour: str) -> str:
    return COLOURS[1 - COLOURS.index(colour)]


def render_upstream(colour: str, address: str) -> str:
    """The include both nginx and the local proxy read; the comment records the colour."""
    return (
        f"# managed by aptichat.deploy.bluegreen; active={colour}\n"
        f"upstream aptichat_api {{\n    server {address};\n    keepalive 32;\n}}\n"
    )


def active_colour(text: str | None) -> str | None:
    match = _ACTIVE.search(text or "")
    return match[1] if match else None


def log(message: str) -> None:
    click.echo(f"{datetime.now(UTC).strftime('%H:%M:%S.%f')[:-3]} {message}")


class Backend(Protocol):
    def up(self, colour: str, tag: str | None) -> None: ...
    def down(self, colour: str) -> None: ...
    def ready_url(self, colour: str) -> str: ...
    def address(self, colour: str) -> str: ...
    def read_upstream(self) -> str | None: ...
    def write_upstream(self, text: str) -> None: ...
    # what up/down/write_upstream would do, one line per command or file write (--dry-run)
    def plan_up(self, colour: str, tag: str | None) -> list[str]: ...
    def plan_down(self, colour: str) -> list[str]: ...
    def plan_write_upstream(self, text: str) -> list[str]: ...


class DryRun:
    """A backend that reads like the real one and, instead of acting, logs the real one's plan."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner

    def _show(self, lines: list[str]) -> None:
        for line in lines:
            log(f"[dry-run] would {line}")

    def up(self, colour: str, tag: str | None) -> None:
        self._show(self.inner.plan_up(colour, tag))

    def down(self, colour: str) -> None:
        self._show(self.inner.plan_down(colour))

    def write_upstream(self, text: str) -> None:
        self._show(self.inner.plan_write_upstream(text))

    def ready_url(self, colour: str) -> str:
        return self.inner.ready_url(colour)

    def address(self, colour: str) -> str:
        return self.inner.address(colour)

    def read_upstream(self) -> str | None:
        return self.inner.read_upstream()

    def plan_up(self, colour: str, tag: str | None) -> list[str]:
        return self.inner.plan_up(colour, tag)

    def plan_down(self, colour: str) -> list[str]:
        return self.inner.plan_down(colour)

    def plan_write_upstream(self, text: str) -> list[str]:
        return self.inner.plan_write_upstream(text)


class LocalBackend:
    """Colours as local processes; the include as a file (plus optional check/reload commands)."""

    def __init__(self, state_dir: Path, ports: dict[str, int], command: str, check: str, reload: str) -> None:
        self.state_dir, self.ports, self.command = state_dir, ports, command
        self.check, self.reload = check, reload
        self.upstream_file = state_dir / "active-upstream.conf"

    def _pid_file(self, colour: str) -> Path:
        return self.state_dir / f"api-{colour}.pid"

    def _argv(self, colour: str) -> list[str]:
        return shlex.split(self.command.format(port=self.ports[colour], colour=colour))

    def plan_up(self, colour: str, tag: str | None) -> list[str]:
        return [*self.plan_down(colour), f"start {colour}: {shlex.join(self._argv(colour))}"]

    def plan_down(self, colour: str) -> list[str]:
        pid_file = self._pid_file(colour)
        return [f"stop {colour} (pid {pid_file.read_text().strip()})"] if pid_file.exists() else []

    def plan_write_upstream(self, text: str) -> list[str]:
        lines = [f"write {self.upstream_file}:\n{text.rstrip()}"]
        return lines + [f"run: {cmd}" for cmd in (self.check, self.reload) if cmd]

    def up(self, colour: str, tag: str | None) -> None:
        self.down(colour)  # recreate: the idle colour may run an old version
        argv = self._argv(colour)
        self.state_dir.mkdir(parents=True, exist_ok=True)  # here, not in __init__: --dry-run creates nothing
        with (self.state_dir / f"api-{colour}.log").open("ab") as out:
            # Own session: stopping a colour signals its whole group (gunicorn master and workers).
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._pid_file(colour).write_text(str(proc.pid))
        log(f"started {colour}: pid {proc.pid}: {' '.join(argv)}")

    def down(self, colour: str) -> None:
        pid_file = self._pid_file(colour)
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text())
        try:
            os.killpg(pid, signal.SIGTERM)
            for _ in range(300):
                os.kill(pid, 0)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)  # reap it when it is our own child
                time.sleep(0.1)
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        pid_file.unlink(missing_ok=True)
        log(f"stopped {colour} (pid {pid})")

    def ready_url(self, colour: str) -> str:
        return f"http://{self.address(colour)}/readyz"

    def address(self, colour: str) -> str:
        return f"127.0.0.1:{self.ports[colour]}"

    def read_upstream(self) -> str | None:
        return self.upstream_file.read_text() if self.upstream_file.exists() else None

    def write_upstream(self, text: str) -> None:
        previous = self.read_upstream()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.upstream_file.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.upstream_file)  # atomic: a reader sees the old file or the new one
        try:
            for cmd in (self.check, self.reload):
                if cmd:
                    subprocess.run(shlex.split(cmd), check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as exc:
            if previous is not None:
                self.upstream_file.write_text(previous)
            detail = exc.stderr.strip()
            raise click.ClickException(f"proxy rejected the switch ({detail}); previous upstream kept") from exc


class ComposeBackend:
    """Colours as compose services; the include in the proxy container's volume."""

    UPSTREAM = "/etc/nginx/aptichat/active-upstream.conf"

    def __init__(self, env_file: Path, compose: str) -> None:
        self.env_file = env_file
        self.compose = [*shlex.split(compose), "--env-file", str(env_file)]

    def _env(self) -> dict[str, str]:
        values = {}
        for line in self.env_file.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
        return values

    def _run(self, *args: str, stdin: str | None = None) -> str:
        proc = subprocess.run([*self.compose, *args], input=stdin, capture_output=True, text=True)
        if proc.returncode != 0:
            raise click.ClickException(f"{' '.join(args)} failed: {proc.stderr.strip()[-1500:]}")
        return proc.stdout

    @staticmethod
    def _migrate(colour: str) -> tuple[str, ...]:
        # The new version's expand step, so with the idle colour's image (its tag is already in the env
        # file): the `migrate` service runs API_BLUE_TAG, which is the old version when green is idle.
        return ("run", "--rm", "--no-deps", f"api-{colour}", "aptichat", "db", "upgrade")

    @staticmethod
    def _recreate(colour: str) -> tuple[str, ...]:
        return ("up", "-d", "--no-deps", "--force-recreate", f"api-{colour}")

    def _write_script(self) -> str:
        f = self.UPSTREAM
        # nginx -t before reload; a rejected config puts the previous file back.
        return (
            f"cp {f} {f}.bak && cat > {f}.new && mv {f}.new {f} && nginx -t && nginx -s reload"
            f" || (mv {f}.bak {f}; exit 1)"
        )

    def plan_up(self, colour: str, tag: str | None) -> list[str]:
        lines = [f"set API_{colour.upper()}_TAG={tag} in {self.env_file}"] if tag else []
        return lines + [
            f"run: {shlex.join([*self.compose, *args])}" for args in (self._migrate(colour), self._recreate(colour))
        ]

    def plan_down(self, colour: str) -> list[str]:
        return [f"run: {shlex.join([*self.compose, 'stop', f'api-{colour}'])}"]

    def plan_write_upstream(self, text: str) -> list[str]:
        argv = [*self.compose, "exec", "-T", "proxy", "sh", "-c", self._write_script()]
        return [f"run: {shlex.join(argv)}\n  with stdin:\n{text.rstrip()}"]

    def up(self, colour: str, tag: str | None) -> None:
        if tag:
            # Persist the tag in the env file, so a later plain `compose up -d` keeps this version.
            key, text = f"API_{colour.upper()}_TAG", self.env_file.read_text()
            line = f"{key}={tag}"
            text = (
                re.sub(rf"^{key}=.*$", line, text, flags=re.M)
                if re.search(rf"^{key}=", text, re.M)
                else text + f"\n{line}\n"
            )
            self.env_file.write_text(text)
        log(f"migrations (expand step) with the new image: compose run --rm --no-deps api-{colour} aptichat db upgrade")
        self._run(*self._migrate(colour))
        self._run(*self._recreate(colour))
        log(f"recreated api-{colour}" + (f" at {tag}" if tag else ""))

    def down(self, colour: str) -> None:
        self._run("stop", f"api-{colour}")
        log(f"stopped api-{colour}")

    def ready_url(self, colour: str) -> str:
        port = self._env().get(f"API_{colour.upper()}_PORT") or ("8001" if colour == "blue" else "8002")
        return f"http://127.0.0.1:{port}/readyz"

    def address(self, colour: str) -> str:
        return f"api-{colour}:8000"

    def read_upstream(self) -> str | None:
        try:
            return self._run("exec", "-T", "proxy", "cat", self.UPSTREAM)
        except click.ClickException:
            return None

    def write_upstream(self, text: str) -> None:
        self._run("exec", "-T", "proxy", "sh", "-c", self._write_script(), stdin=text)


def _only_migrations_failing(body: bytes) -> bool:
    """True when /readyz failed only on the migrations check. After the expand migration of a new
    release the old code sees a revision newer than its own head: expected, and safe by the
    expand-then-contract rule (docs/deployment.md), so a rollback target may be in that state."""
    try:
        checks = json.loads(body)["checks"]
        return {name for name, check in checks.items() if not check["ok"]} == {"migrations"}
    except (ValueError, KeyError, TypeError):
        return False


def wait_ready(url: str, timeout: float, schema_ahead_ok: bool = False) -> None:
    deadline, last = time.monotonic() + timeout, "no answer yet"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status == 200:
                    log(f"ready: {url}")
                    return
        except urllib.error.HTTPError as exc:
            body = exc.read()
            if exc.code == 503 and schema_ahead_ok and _only_migrations_failing(body):
                log(f"ready (database schema ahead of this colour's code, expected after expand): {url}")
                return
            last = f"{exc.code} {body[:300]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.25)
    raise click.ClickException(f"{url} not ready after {timeout:.0f}s ({last}); the proxy was not switched")


def _record(state_dir: Path, event: dict[str, object]) -> None:
    """An append-only history, for the incident timeline."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / "history.jsonl").open("a") as out:
        out.write(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), **event}) + "\n")


def switch(backend: Backend, colour: str, state_dir: Path, reason: str) -> None:
    before = active_colour(backend.read_upstream())
    backend.write_upstream(render_upstream(colour, backend.address(colour)))
    if isinstance(backend, DryRun):
        log(f"[dry-run] would switch proxy: {before or 'none'} -> {colour} ({backend.address(colour)})")
        return
    log(f"switched proxy: {before or 'none'} -> {colour} ({backend.address(colour)})")
    _record(state_dir, {"event": reason, "from": before, "to": colour})


def _wait(backend: Backend, url: str, timeout: float, schema_ahead_ok: bool = False) -> None:
    if isinstance(backend, DryRun):
        log(f"[dry-run] would wait up to {timeout:.0f}s for 200 from {url}; no switch unless it comes")
        return
    wait_ready(url, timeout, schema_ahead_ok)


@click.group()
@click.option("--mode", type=click.Choice(["local", "compose"]), default="local", show_default=True)
@click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".aptichat/deploy"), show_default=True
)
@click.option("--env-file", type=click.Path(dir_okay=False, path_type=Path), default=Path(".env"), show_default=True)
@click.option("--compose", "compose_cmd", default="docker compose", show_default=True)
@click.option("--blue-port", type=int, default=8001, show_default=True, help="local mode")
@click.option("--green-port", type=int, default=8002, show_default=True, help="local mode")
@click.option(
    "--command",
    default=f"{sys.executable} -m aptichat.cli api serve --host 127.0.0.1 --port {{port}}",
    show_default=True,
    help="local mode: how to start a colour ({port}, {colour} are filled in)",
)
@click.option("--check-cmd", default="", help="local mode: validate the proxy config after writing (e.g. nginx -t)")
@click.option("--reload-cmd", default="", help="local mode: reload the proxy (e.g. nginx -s reload)")
@click.option("--ready-timeout", type=float, default=180.0, show_default=True)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan (each command, file write and readiness wait) and change nothing; the active colour is read.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    mode: str,
    state_dir: Path,
    env_file: Path,
    compose_cmd: str,
    blue_port: int,
    green_port: int,
    command: str,
    check_cmd: str,
    reload_cmd: str,
    ready_timeout: float,
    dry_run: bool,
) -> None:
    """Blue-green deploys of the AptiChat API (docs/deployment.md)."""
    backend: Backend
    if mode == "compose":
        backend = ComposeBackend(env_file, compose_cmd)
    else:
        backend = LocalBackend(state_dir, {"blue": blue_port, "green": green_port}, command, check_cmd, reload_cmd)
    if dry_run:
        backend = DryRun(backend)
    ctx.obj = {"backend": backend, "state_dir": state_dir, "timeout": ready_timeout}


def _ctx() -> tuple[Backend, Path, float]:
    obj = click.get_current_context().obj
    return obj["backend"], obj["state_dir"], obj["timeout"]


@cli.command()
def status() -> None:
    """The active colour and whether each colour answers /readyz."""
    backend, _, _ = _ctx()
    report: dict[str, object] = {"active": active_colour(backend.read_upstream())}
    for colour in COLOURS:
        try:
            with urllib.request.urlopen(backend.ready_url(colour), timeout=3) as response:
                report[colour] = f"ready ({response.status})"
        except urllib.error.HTTPError as exc:
            report[colour] = f"not ready ({exc.code})"
        except OSError:
            report[colour] = "down"
    click.echo(json.dumps(report))


@cli.command()
@click.option("--tag", default=None, help="compose mode: image tag for the idle colour")
def deploy(tag: str | None) -> None:
    """Start the idle colour, wait for /readyz, switch the proxy; the old colour keeps running."""
    backend, state_dir, timeout = _ctx()
    active = active_colour(backend.read_upstream())
    target = other(active) if active else "blue"
    log(f"active: {active or 'none'}; deploying to {target}")
    backend.up(target, tag)
    _wait(backend, backend.ready_url(target), timeout)
    switch(backend, target, state_dir, "deploy")
    if active:
        log(f"{active} keeps running for rollback; `retire` stops it")


@cli.command()
def rollback() -> None:
    """Switch back to the other colour, which must still be running and ready."""
    backend, state_dir, _ = _ctx()
    active = active_colour(backend.read_upstream())
    if active is None:
        raise click.ClickException("nothing is active: nothing to roll back")
    previous = other(active)
    _wait(backend, backend.ready_url(previous), timeout=5, schema_ahead_ok=True)
    switch(backend, previous, state_dir, "rollback")


@cli.command()
def retire() -> None:
    """Stop the idle colour (after the rollback window)."""
    backend, state_dir, _ = _ctx()
    active = active_colour(backend.read_upstream())
    if active is None:
        raise click.ClickException("nothing is active: refusing to guess which colour to stop")
    backend.down(other(active))
    if not isinstance(backend, DryRun):
        _record(state_dir, {"event": "retire", "stopped": other(active)})


@cli.command()
@click.argument("colour", type=click.Choice(COLOURS))
def stop(colour: str) -> None:
    """Stop one colour, refusing the active one."""
    backend, _, _ = _ctx()
    if active_colour(backend.read_upstream()) == colour:
        raise click.ClickException(f"{colour} serves traffic: switch or rollback first")
    backend.down(colour)


def main() -> None:
    cli(prog_name="bluegreen")


if __name__ == "__main__":
    main()

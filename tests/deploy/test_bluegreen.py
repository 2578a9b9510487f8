"""Blue-green under load: two real API processes (`aptichat api serve`, gunicorn gthread) on loopback
behind a proxy, requests fired continuously while the script deploys to green and rolls back to blue.
Zero failed requests is the assertion. Run once with the Python proxy and once with a real nginx
(reload of the rewritten include) when nginx is installed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click
import pytest
from sqlalchemy import Engine
from support.processes import free_port

from aptichat.deploy.bluegreen import LocalBackend, active_colour, render_upstream, wait_ready
from aptichat.deploy.proxy import ProxyServer, parse_upstream

from .conftest import REPO, tool


class Load:
    """Threads requesting /healthz and /readyz through the proxy until stopped; every answer that is
    not a 200 (or no answer at all) is a failure."""

    def __init__(self, base: str, threads: int = 2) -> None:
        self.base, self.stop_event = base, threading.Event()
        self.ok: Counter[str] = Counter()
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, index: int) -> None:
        paths = ("/healthz", "/readyz")
        n = 0
        while not self.stop_event.is_set():
            path = paths[(n + index) % 2]
            n += 1
            try:
                with urllib.request.urlopen(self.base + path, timeout=10) as response:
                    self.ok[response.headers.get("X-Aptichat-Upstream", "?")] += 1
            except (urllib.error.URLError, OSError) as exc:
                self.failures.append(f"{path}: {exc}")

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(15)


def bluegreen(state: Path, ports: tuple[int, int], *args: str, ok: bool = True) -> str:
    """Run the script as an operator would; its output is what docs/deployment.md shows."""
    argv = [sys.executable, "-m", "aptichat.deploy.bluegreen", "--state-dir", str(state)]
    argv += ["--blue-port", str(ports[0]), "--green-port", str(ports[1]), "--ready-timeout", "120", *args]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    print(f"$ bluegreen {' '.join(a for a in args if not a.startswith('/'))}\n{proc.stdout}{proc.stderr}", flush=True)
    assert (proc.returncode == 0) == ok, proc.stderr
    return proc.stdout + proc.stderr


def kill_colours(state: Path) -> None:
    for pid_file in state.glob("api-*.pid"):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)


def scenario(state: Path, ports: tuple[int, int], proxy_url: str, extra: tuple[str, ...] = ()) -> Load:
    """blue live -> deploy green under load -> rollback to blue under load -> green retired."""
    with Load(proxy_url) as load:
        time.sleep(1.5)
        bluegreen(state, ports, *extra, "deploy")
        assert active_colour((state / "active-upstream.conf").read_text()) == "green"
        time.sleep(1.5)
        bluegreen(state, ports, *extra, "rollback")
        assert active_colour((state / "active-upstream.conf").read_text()) == "blue"
        time.sleep(1.5)
    bluegreen(state, ports, "retire")
    assert '{"active": "blue", "blue": "ready (200)", "green": "down"}' in bluegreen(state, ports, "status")
    return load


def check(load: Load, ports: tuple[int, int]) -> None:
    assert not load.failures, load.failures[:5]
    blue, green = f"127.0.0.1:{ports[0]}", f"127.0.0.1:{ports[1]}"
    print(f"answers by upstream: {dict(load.ok)}", flush=True)
    assert sum(load.ok.values()) > 50
    assert {blue, green} <= set(load.ok), load.ok  # both colours answered, each when it was live


@pytest.mark.slow
def test_switch_under_load_through_the_python_proxy(engine: Engine, tmp_path: Path) -> None:
    state, ports = tmp_path / "state", (free_port(), free_port())
    try:
        bluegreen(state, ports, "deploy")  # first deploy: blue
        proxy = ProxyServer(("127.0.0.1", 0), state / "active-upstream.conf")
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        load = scenario(state, ports, f"http://127.0.0.1:{proxy.server_address[1]}")
        proxy.shutdown()
        check(load, ports)
        # Rolling back to a colour that is no longer running is refused, and nothing switches.
        assert "not ready" in bluegreen(state, ports, "rollback", ok=False)
        assert active_colour((state / "active-upstream.conf").read_text()) == "blue"
    finally:
        kill_colours(state)


@pytest.mark.slow
def test_switch_under_load_through_nginx(engine: Engine, tmp_path: Path) -> None:
    nginx = tool("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx not installed (apt-get install nginx-light); the Python proxy test covers the switch")
    state, ports, prefix, listen = tmp_path / "state", (free_port(), free_port()), tmp_path / "nginx", free_port()
    prefix.mkdir()
    site = (REPO / "docker" / "nginx" / "aptichat.conf").read_text()
    site = site.replace("/etc/nginx/aptichat/active-upstream.conf", str(state / "active-upstream.conf"))
    (prefix / "aptichat.conf").write_text(site.replace("listen 8080;", f"listen 127.0.0.1:{listen};"))
    (prefix / "nginx.conf").write_text(
        f"worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n"
        f"  include {prefix}/aptichat.conf;\n}}\n"
    )
    base = [nginx, "-e", str(prefix / "error.log"), "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    reload = ("--check-cmd", " ".join([*base, "-t"]), "--reload-cmd", " ".join([*base, "-s", "reload"]))
    try:
        bluegreen(state, ports, "deploy")
        subprocess.run(base, check=True)
        load = scenario(state, ports, f"http://127.0.0.1:{listen}", reload)
        check(load, ports)
    finally:
        subprocess.run([*base, "-s", "quit"], capture_output=True)
        kill_colours(state)


def test_a_rejected_proxy_config_keeps_the_previous_upstream(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path, {"blue": 1, "green": 2}, "true", check="", reload="")
    backend.write_upstream(render_upstream("blue", backend.address("blue")))
    failing = LocalBackend(tmp_path, {"blue": 1, "green": 2}, "true", check="false", reload="")
    with pytest.raises(click.ClickException, match="previous upstream kept"):
        failing.write_upstream(render_upstream("green", failing.address("green")))
    assert active_colour(backend.read_upstream()) == "blue"
    assert parse_upstream(backend.read_upstream() or "") == ("127.0.0.1", 1)


@pytest.mark.parametrize(
    ("failing", "schema_ahead_ok", "ready"),
    [({"migrations"}, True, True), ({"migrations"}, False, False), ({"migrations", "database"}, True, False)],
)
def test_rollback_accepts_a_schema_ahead_of_the_old_code(failing: set[str], schema_ahead_ok: bool, ready: bool) -> None:
    body = json.dumps(
        {"status": "not_ready", "checks": {n: {"ok": n not in failing} for n in ("database", "migrations", "embedder")}}
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/readyz"
    try:
        if ready:
            wait_ready(url, timeout=2, schema_ahead_ok=schema_ahead_ok)
        else:
            with pytest.raises(click.ClickException, match="not ready"):
                wait_ready(url, timeout=1, schema_ahead_ok=schema_ahead_ok)
    finally:
        server.shutdown()

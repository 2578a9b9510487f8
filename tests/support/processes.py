"""Processes the tests start for real: a free loopback port, the `aptichat` command of this venv, and
the API under gunicorn (`aptichat api serve`)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

APTICHAT = Path(sys.executable).parent / "aptichat"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen, timeout_s: float = 30) -> None:  # type: ignore[type-arg]
    """SIGTERM, then SIGKILL if it has not exited within `timeout_s`."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def aptichat_cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run the `aptichat` command of this venv with `env`; returns stdout, raises on failure."""
    done = subprocess.run([str(APTICHAT), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"aptichat {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


@contextmanager
def gunicorn_api(env: dict[str, str], workers: int = 1, threads: int | None = None) -> Iterator[str]:
    """`aptichat api serve` (gunicorn) on a free loopback port with `env`; yields the base URL."""
    from support.api import wait_for

    port = free_port()
    full = {**env, "APTICHAT_API_HOST": "127.0.0.1", "APTICHAT_API_PORT": str(port)}
    argv = [str(APTICHAT), "api", "serve", "--workers", str(workers)]
    if threads:
        argv += ["--threads", str(threads)]
    proc = subprocess.Popen(argv, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/healthz", timeout_s=90)
        yield url
    finally:
        stop(proc)

"""Which processes belong to a platform on this APTICHAT_HOME, and how they are stopped or reaped.

`aptichat platform run` starts `dagster dev`, which starts the webserver and daemon, which start
`dagster api grpc` code servers, which start run workers; gunicorn forks its workers. Several of
them leave the process group they were born in, and a platform killed with SIGKILL cannot stop
them: they were seen running 40 minutes after. So every child gets two environment variables,
inherited by every descendant: the platform's home and the id of this start. A process is ours when
its environment (`/proc/<pid>/environ`) carries our home; at stop we end what carries our id, at
start what a previous platform on the same home left behind. A lock file keeps two platforms off
one home, and `platform.json` records who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

HOME_VAR = "APTICHAT_PLATFORM_HOME"
ID_VAR = "APTICHAT_PLATFORM_ID"
# Never signalled even when they carry the marker: the embedded database has its own stop.
SPARED_COMMANDS = frozenset({"postgres", "pg_ctl"})


@dataclass(frozen=True)
class PlatformProcess:
    pid: int
    platform_id: str
    command: str


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, or another user's
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2 :].startswith(("Z", "X"))


def platform_processes(home: Path, platform_id: str | None = None) -> list[PlatformProcess]:
    """Live processes started by a platform on `home` (by the one with `platform_id`, when given)."""
    home_value = str(home.resolve())
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        pid = int(entry.name)
        env = _environ(pid)
        if env.get(HOME_VAR) != home_value or (platform_id is not None and env.get(ID_VAR) != platform_id):
            continue
        command = _command(pid)
        if command in SPARED_COMMANDS or _is_zombie(pid):
            continue
        found.append(PlatformProcess(pid, env.get(ID_VAR, ""), command))
    return found


def terminate(processes: list[PlatformProcess], grace_s: float = 10.0) -> list[PlatformProcess]:
    """SIGTERM each process, SIGKILL what is still alive after `grace_s`; returns the ones killed."""
    for proc in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    alive = list(processes)
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if not _is_zombie(p.pid) and _exists(p.pid)]
    for proc in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    return alive


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PlatformAlreadyRunning(RuntimeError):
    pass


class PlatformLock:
    """Held for the life of a platform on one APTICHAT_HOME; records the holder in platform.json."""

    def __init__(self, home: Path, platform_id: str) -> None:
        self.home = home
        self.platform_id = platform_id
        self.record = home / "platform.json"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        handle = (self.home / "platform.lock").open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            holder = self.holder()
            raise PlatformAlreadyRunning(
                f"a platform is already running on {self.home} (pid {holder.get('pid', '?')}); stop it first"
            ) from None
        self._file = handle
        self.record.write_text(json.dumps({"pid": os.getpid(), "id": self.platform_id, "started": time.time()}) + "\n")

    def holder(self) -> dict[str, object]:
        try:
            return dict(json.loads(self.record.read_text()))
        except (OSError, ValueError):
            return {}

    def release(self) -> None:
        if self._file is None:
            return
        self.record.unlink(missing_ok=True)
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
        self._file = None


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 30) -> None:  # type: ignore[type-arg]
    """Signal a process started with `start_new_session=True` and its whole group (`sig`: dagster dev
    only stops cleanly when the group gets SIGINT), then SIGKILL the group if it has not exited within
    `timeout` seconds. Nothing happens when it has already ended."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass

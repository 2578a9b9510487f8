"""Runs whose worker is gone: found by Dagster's run monitoring, failed, then retried by run retries.

Dagster's `DefaultRunLauncher` cannot tell whether a run's worker is alive, so its run monitoring
never checks a STARTED run: after a crash of the whole platform (kill -9 of `make run`, a power cut)
the run stays STARTED forever and its people are never processed. This launcher is the default one
plus that check. The worker wrote its pid into the run's event log ("Started process for run (pid:
N)"); when the code server that started it is on this machine (`dagster dev`, `aptichat platform
run`: a managed gRPC server on localhost), the worker is alive while a process with that pid exists,
is no zombie, and started before that event (a later start is a reused pid: after a reboot or pid
wrap-around). A dead worker makes the monitoring daemon mark the run failed (within
`run_monitoring.poll_interval_seconds`), and `run_retries` re-executes it from the failure.

A code server on another host (docker-compose's `code` container) cannot be checked from here: the
run is reported RUNNING, as Dagster itself does without a check.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from dagster import DagsterEventType, DagsterRun, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
_STARTED = re.compile(r"^Started process for run \(pid: (\d+)\)")
# clock ticks of /proc/<pid>/stat against the event's wall-clock time: allow for rounding and skew
START_SLACK_S = 2.0


def worker_on_this_host(run: DagsterRun) -> bool:
    """Whether the run's worker was started by a code server on this machine (pid checks mean something)."""
    raw = run.tags.get(GRPC_INFO_TAG)
    if not raw:
        return False
    try:
        info = json.loads(raw)
    except ValueError:
        return False
    return bool(info.get("socket")) or str(info.get("host", "")).lower() in LOCAL_HOSTS


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def process_started_at(pid: int) -> tuple[bool, float | None]:
    """(alive, wall-clock start time or None when unknown). A zombie counts as dead."""
    stat_path = Path(f"/proc/{pid}/stat")
    try:
        stat = stat_path.read_text()
    except FileNotFoundError:
        return False, None
    except OSError:
        stat = ""
    if not stat:  # no /proc (macOS) or unreadable: only existence can be told
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False, None
        except PermissionError:
            pass
        return True, None
    # the command name (field 2) may hold spaces and parentheses: split after its closing bracket
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return False, None
    boot = _boot_time()
    if boot is None:
        return True, None
    return True, boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def worker_alive(pid: int, started_event_at: float) -> bool:
    """The worker that logged "Started process for run (pid: N)" at `started_event_at` is still running."""
    alive, started_at = process_started_at(pid)
    if not alive:
        return False
    return started_at is None or started_at <= started_event_at + START_SLACK_S


class WorkerCheckingRunLauncher(DefaultRunLauncher):
    """`DefaultRunLauncher` whose run monitoring can tell a dead worker from a running one (same host)."""

    def __init__(self, inst_data: object = None) -> None:
        super().__init__(inst_data=inst_data)  # type: ignore[arg-type]
        self._workers: dict[str, tuple[int, float]] = {}

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def _worker(self, run_id: str) -> tuple[int, float] | None:
        """(pid, time of the "Started process" event) of the run's worker, from its event log."""
        if run_id in self._workers:
            return self._workers[run_id]
        if len(self._workers) > 10_000:  # finished runs are never looked up again
            self._workers.clear()
        records = self._instance.event_log_storage.get_logs_for_run(
            run_id, of_type={DagsterEventType.ENGINE_EVENT}, limit=50
        )
        for record in records:
            match = _STARTED.match(record.message)
            if match:
                self._workers[run_id] = (int(match.group(1)), record.timestamp)
                return self._workers[run_id]
        return None

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        if not worker_on_this_host(run):
            return CheckRunHealthResult(WorkerStatus.RUNNING, "worker on another host: not checked from here")
        worker = self._worker(run.run_id)
        if worker is None:
            # STARTED is written by the worker after its "Started process" event: no event, no local worker
            # we know of (e.g. an in-process execution). Do not guess.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no worker pid recorded: not checked")
        pid, started_event_at = worker
        if worker_alive(pid, started_event_at):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"worker pid {pid} running", run_worker_id=str(pid))
        self._workers.pop(run.run_id, None)
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"run worker (pid {pid}, started {time.ctime(started_event_at)}) is gone: "
            "the platform or the worker was killed",
            run_worker_id=str(pid),
        )

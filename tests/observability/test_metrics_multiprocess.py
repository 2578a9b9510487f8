"""/metrics under gunicorn with two workers: whichever worker answers a scrape, it reports the
requests of both (prometheus_client multiprocess mode), and the directory of a previous deployment's
values is emptied when the master starts (aptichat_api/gunicorn_conf.py)."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from support.metrics_files import requests_per_worker
from support.processes import gunicorn_api

from aptichat.settings import Settings
from aptichat_api.gunicorn_conf import metrics_dir, reset_metrics_dir

HEALTHZ = re.compile(
    r'^aptichat_http_requests_total\{endpoint="health\.healthz",method="GET",status="(\d+)"\} (\S+)$', re.M
)
HIST_COUNT = re.compile(r'^aptichat_http_request_seconds_count\{endpoint="health\.healthz"\} (\S+)$', re.M)


def test_the_directory_is_one_per_port_and_only_value_files_are_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setattr("aptichat.settings.get_settings", lambda: Settings(home=tmp_path))
    blue, green = metrics_dir(["0.0.0.0:8001"]), metrics_dir(["0.0.0.0:8002"])
    assert blue == tmp_path.resolve() / "prometheus" / "api-8001" and green.name == "api-8002"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "operator"))
    monkeypatch.setattr(
        "aptichat.settings.get_settings", lambda: Settings.from_env().model_copy(update={"home": tmp_path})
    )
    assert metrics_dir(["0.0.0.0:8001"]) == tmp_path / "operator"
    chosen = tmp_path / "operator"
    chosen.mkdir()
    (chosen / "counter_123.db").write_bytes(b"old")
    (chosen / "notes.txt").write_text("not ours")
    reset_metrics_dir(chosen)
    assert sorted(p.name for p in chosen.iterdir()) == ["notes.txt"]


def healthz_count(text: str) -> float:
    return sum(float(value) for _, value in HEALTHZ.findall(text))


@pytest.mark.slow
def test_a_scrape_sums_every_worker(settings: Settings, engine: object, tmp_path: Path) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier deployment")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "APTICHAT_DB_POOL_SIZE": "2"}
    with gunicorn_api(env, workers=2, threads=2) as url:
        assert not (directory / "counter_1.db").exists(), "the master did not empty the directory"

        def ask(_: int) -> int:
            # a new connection each time, so the kernel hands requests to both workers
            return requests.get(f"{url}/healthz", headers={"Connection": "close"}, timeout=30).status_code

        before = healthz_count(requests.get(f"{url}/metrics", timeout=30).text)  # gunicorn_api's own probes
        sent = 0
        deadline = time.monotonic() + 120  # the second worker may still be loading the app
        with ThreadPoolExecutor(max_workers=6) as pool:
            while time.monotonic() < deadline:  # more rounds only while one worker took everything
                sent += len(list(pool.map(ask, range(12))))
                workers = requests_per_worker(directory, "health.healthz")
                if sum(1 for count in workers.values() if count > 0) >= 2:
                    break
                time.sleep(0.5)
        assert sum(1 for count in workers.values() if count > 0) == 2, workers
        assert sum(workers.values()) == before + sent

        scrapes = [requests.get(f"{url}/metrics", headers={"Connection": "close"}, timeout=30).text for _ in range(6)]
        for text in scrapes:
            assert healthz_count(text) == before + sent, "a scrape missed a worker's requests"
            assert [float(v) for v in HIST_COUNT.findall(text)] == [before + sent]
            assert "aptichat_unhandled_errors_total 0.0" in text
            assert "# TYPE aptichat_etl_queue_depth gauge" in text  # read at scrape, once, not per worker
            assert text.count("# TYPE aptichat_http_requests_total counter") == 1
            assert text.count("# TYPE aptichat_etl_queue_depth gauge") == 1

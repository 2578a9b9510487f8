"""`make bench`: every benchmark in turn, each in its own process, its figures printed as it runs.

    .venv/bin/python benchmarks/run_all.py            # the sizes docs/benchmarks.md reports
    .venv/bin/python benchmarks/run_all.py --quick    # small sizes, for a smoke check (~10 min quiet)
    .venv/bin/python benchmarks/run_all.py --only etl,retrieval

Everything runs, the load test and the real platform included (`first_answer` starts `aptichat platform
run` on a scratch home; `load` holds both cores for its duration), so run it on a quiet machine.
`make soak` is the load test alone. peers.py needs langchain-postgres (see its docstring); without it
that benchmark is reported as not run, with the command that installs it, and the others still run.
partitions.py skips its browser figure when /usr/bin/chromium is absent. Exit status 1 when any
benchmark that ran failed. The summary gives each benchmark's wall time and the total.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (arguments at the documented sizes, arguments for --quick; None: not run under --quick)
BENCHMARKS: dict[str, tuple[list[str], list[str] | None]] = {
    "embeddings": ([], ["--texts", "64", "--queries", "10"]),
    "retrieval": ([], ["--users", "500", "--jobs", "2000", "--iterations", "100", "--rebuild"]),
    "etl": (["--users", "300"], ["--users", "40", "--single-users", "3"]),
    "peers": ([], ["--users", "100", "--queries", "50"]),
    "rerank": ([], ["--users", "40", "--batch", "20"]),
    "first_answer": (["--completions", "5", "--demo-users", "10"], ["--completions", "3", "--demo-users", "3"]),
    "load": (
        ["--parts", "chat,overhead,completions", "--clients", "50", "--duration", "60", "--workers", "2"],
        ["--duration", "15", "--one-client", "50", "--blocks", "4", "--completions", "100"],
    ),
    "partitions": ([], ["--sizes", "10000", "--ticks", "2"]),
    "safety": ([], ["--quick"]),
    # a dagster dev and a backfill of 1,000 (fairqueue), the shared data set (validity): full run only
    "fairqueue": ([], None),
    "validity": ([], None),
}
SHARED_DATA = HERE.parent.parent / "shared" / "data"
PEERS_INSTALL = ".venv/bin/pip install -e '.[bench]' && .venv/bin/pip install --no-deps langchain-postgres==0.0.19"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke check")
    names = ",".join(BENCHMARKS)
    parser.add_argument("--only", default=names, help=f"comma-separated subset of {names}")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    summary: list[tuple[str, str]] = []
    begun = time.perf_counter()
    for name in chosen:
        if name == "peers" and importlib.util.find_spec("langchain_postgres") is None:
            summary.append((name, f"not run: langchain-postgres is not installed ({PEERS_INSTALL})"))
            continue
        if name == "validity" and not SHARED_DATA.is_dir():
            summary.append((name, f"not run: its data set is not at {SHARED_DATA}"))
            continue
        full, quick = BENCHMARKS[name]
        if args.quick and quick is None:
            summary.append((name, f"not run under --quick (alone: .venv/bin/python benchmarks/{name}.py)"))
            continue
        command = [sys.executable, str(HERE / f"{name}.py"), *(quick if args.quick and quick is not None else full)]
        print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        rc = subprocess.call(command)
        took = time.perf_counter() - started
        summary.append((name, f"{'ok' if rc == 0 else f'FAILED (exit {rc})'} in {took:.0f} s"))

    print("\n=== summary")
    for name, outcome in summary:
        print(f"{name:<13} {outcome}")
    print(f"{'total':<13} {time.perf_counter() - begun:.0f} s")
    return 1 if any("FAILED" in outcome for _, outcome in summary) else 0


if __name__ == "__main__":
    sys.exit(main())

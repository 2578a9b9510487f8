# The two commands of the README: `make run` and `make test`. Each creates .venv when missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export XDG_RUNTIME_DIR ?= /tmp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test lint typecheck pytest bench soak clean-data screenshots

$(STAMP): setup.py
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU torch from the local wheel first, so sentence-transformers never pulls a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,local]'
	# Debian tools some tests drive: Chromium (chat page, Dagster UI) and nginx (blue-green switch).
	# Root installs them; elsewhere those tests skip with the reason.
	@{ command -v chromium >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1; } || \
		{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q chromium nginx-light >/dev/null 2>&1; } || \
		echo "chromium/nginx could not be installed: the browser and nginx tests will skip"
	# promtool (Debian package prometheus) checks and unit-tests the alert rules (tests/deploy/test_monitoring.py).
	@command -v promtool >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q prometheus >/dev/null 2>&1; } || \
		echo "promtool could not be installed: the alert rule tests will skip"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/aptichat platform run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --explicit-package-bases benchmarks

# pytest exit code 5 ("no tests ran") is a failure here, never a silent pass.
pytest: install
	@$(VENV)/bin/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

test: lint typecheck pytest

# All benchmarks at the documented sizes (BENCH_ARGS=--quick for small ones, ~10 min on a quiet machine),
# the real platform (first_answer) and the load test included; never part of `make test`.
# peers.py compares with langchain-postgres, installed without its pgvector<0.4 pin (docs/benchmarks.md).
bench: install
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m pip install -q --no-deps langchain-postgres==0.0.19
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

soak: install
	$(PY) benchmarks/load.py

clean-data:
	-$(VENV)/bin/aptichat db stop
	rm -rf .aptichat .aptichat-test

# Refresh the screenshots committed in docs/ (the browser tests write them there instead of a temp dir;
# in file order, so each picture shows the same moment every time: docs/ui.md lists them).
screenshots: install
	APTICHAT_SCREENSHOT_DIR=$(CURDIR)/docs $(VENV)/bin/pytest -q -p no:randomly tests/browser tests/api/test_api_browser.py tests/pipelines/test_dagster_ui.py

# Sothutu — the two commands: `make demo` and `make test`. Both create .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: demo demo-hub test bench pi-check lint format clean venv node

venv: $(STAMP)

$(STAMP): pyproject.toml deploy/mkvenv.py
	$(PYTHON) deploy/mkvenv.py $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev,hub]'
	touch $(STAMP)

## Run the server, the kiosk and the display on the example config.
demo: $(STAMP)
	$(BIN)/python deploy/demo.py --config config.example.toml

## A throwaway PostgreSQL, the province hub and three centres with a simulated day.
demo-hub: $(STAMP)
	$(BIN)/python deploy/demo_hub.py

## The browser-compatibility lint's tools (eslint, stylelint; package-lock.json), when npm
## is here: `npm ci` once and again when the lock file changes. Without npm that lint is
## skipped (tests/test_static_compat.py says why; CI installs node and npm).
NODE_STAMP := node_modules/.package-lock.json
node:
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f $(NODE_STAMP) ] || [ package-lock.json -nt $(NODE_STAMP) ]; then \
	    npm ci --no-audit --no-fund --loglevel=error; \
	  fi; \
	else \
	  echo "npm not found: the browser-compatibility lint will be skipped (Debian: nodejs npm)"; \
	fi

## Lint, then the whole test suite (offline, under 10 minutes) on TEST_WORKERS processes,
## a test module per process at a time (its fixtures stay together); TEST_WORKERS=0 runs
## it in this process.
TEST_WORKERS ?= 2
test: $(STAMP) node
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

## Measure performance and write docs/performance.md.
bench: $(STAMP)
	$(BIN)/python -m tests.perf

## As root: install.sh for real on an emulated arm64 Debian 12 and boot it (5-15 min;
## tests/pi). The arm64 root is cached in /var/cache/sothutu-pi-check. The root build and
## the install run niced; the booted Pi does not, so its timings mean something.
pi-check: $(STAMP)
	$(BIN)/python -m tests.pi

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var tests/artifacts .pytest_cache .ruff_cache node_modules

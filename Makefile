# Sothutu — the two commands: `make demo` and `make test`. Both create .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: demo test bench pi-check lint format clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml deploy/mkvenv.py
	$(PYTHON) deploy/mkvenv.py $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev]'
	touch $(STAMP)

## Run the server, the kiosk and the display on the example config.
demo: $(STAMP)
	$(BIN)/python deploy/demo.py --config config.example.toml

## Lint, then the whole test suite (offline, under 10 minutes).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

## Measure performance and write docs/performance.md.
bench: $(STAMP)
	$(BIN)/python -m tests.perf

## As root: install.sh for real on an emulated arm64 Debian 12 and boot it (15-30 min;
## tests/pi). The arm64 root is cached in /var/cache/sothutu-pi-check.
pi-check: $(STAMP)
	nice -n 10 $(BIN)/python -m tests.pi

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var tests/artifacts .pytest_cache .ruff_cache

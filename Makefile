# gridtwin — the two commands that matter: `make run` (the demo) and `make test`.
# Only Python 3.11+ is needed: uv is installed with pip when missing, and NATS and
# PostgreSQL come from PyPI wheels (embedded), unless GRIDTWIN_*_URL point elsewhere.

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --frozen

.PHONY: help uv sync test lint fmt run bench infra-up infra-down clean

help:
	@echo "make run     - the demo: embedded NATS + PostgreSQL, record, replay, verify"
	@echo "make test    - lint + the whole test suite"
	@echo "make bench   - throughput benchmarks against raw baselines"
	@echo "make fmt     - format the code"

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user uv

sync: uv
	@$(UV) sync --frozen --quiet

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .

test: lint
	$(RUN) pytest

run: sync
	$(RUN) gridtwin demo

bench: sync
	$(RUN) gridtwin bench

fmt: sync
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

infra-up: sync
	$(RUN) gridtwin infra up

infra-down: sync
	$(RUN) gridtwin infra down

clean:
	rm -rf .venv .gridtwin .pytest_cache .ruff_cache .hypothesis

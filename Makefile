# Amicable collection: `make run` starts the stack, `make test` runs the suite.
# Both install whatever is missing on a fresh Debian 12 machine with Python 3.11.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

PYTEST_ARGS ?=

.PHONY: help install train run test test-fast lint lock bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install:  ## apt packages, app venv and Rasa venv (cached outside the clone)
	@bash scripts/apt-deps.sh run
	@bash scripts/venv-app.sh
	@bash scripts/venv-rasa.sh

train: install  ## train the Rasa model when its training data changed
	@bash scripts/train.sh

run:  ## install, train, migrate, load the demo, start every process (PORT=8000)
	@bash scripts/run.sh

test: install  ## install everything, start PostgreSQL and Redis if needed, run the whole suite
	@bash scripts/services.sh
	@bash scripts/train.sh
	@.venv/bin/python -m pytest $(PYTEST_ARGS)

test-fast: ## unit tests only (no servers, no Rasa)
	@.venv/bin/python -m pytest -m "not postgres and not redis and not rasa and not stack" $(PYTEST_ARGS)

lint:  ## ruff
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check . || true

lock:  ## re-resolve requirements/app.in into requirements/app.lock
	@rm -rf /tmp/collect-lock && python3 -m venv /tmp/collect-lock
	@/tmp/collect-lock/bin/pip install -q "pip<25" && /tmp/collect-lock/bin/pip install -q -r requirements/app.in
	@{ echo "# Frozen resolution of requirements/app.in (make lock). Python 3.11."; \
	   /tmp/collect-lock/bin/pip freeze; } > requirements/app.lock

bench: install  ## run the benchmarks (see BENCHMARKS.md)
	@bash scripts/services.sh
	@for b in bench/bench_*.py; do .venv/bin/python $$b; done

clean:  ## remove local data and the trained model link (caches stay)
	rm -rf data models .pytest_cache

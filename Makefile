# sqlspec developer commands. `make help` lists them.
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_REQUIRED ?=
BENCH_VENV := build/bench/venv
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH_ARGS ?=

.PHONY: help install test lint format demo crash docs bench bench-safety bench-fleet clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

# Every extra, so the tests reach every driver. The distribution used to be called `sqlspec`: an
# older .venv has it installed under that name, which the first step removes.
$(STAMP): pyproject.toml
	@if command -v uv >/dev/null 2>&1; then \
		uv venv --allow-existing $(VENV) && \
		{ uv pip uninstall --python $(PY) sqlspec >/dev/null 2>&1 || true; } && \
		uv pip install --python $(PY) -e '.[postgres,mysql,litestar,lint]' --group dev; \
	else \
		python3 -m venv $(VENV) && $(PY) -m pip install -q -U pip && \
		{ $(PY) -m pip uninstall -q -y sqlspec >/dev/null 2>&1 || true; } && \
		$(PY) -m pip install -q -e '.[postgres,mysql,litestar,lint]' --group dev; \
	fi
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install sqlspec, every extra and the dev dependencies

# Two workers: most tests wait on a database or a child process, and every test makes its own
# scratch database and files, so they never collide. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2

test: $(STAMP) ## Run the whole test suite (PostgreSQL at $SQLSPEC_TEST_POSTGRES_DSN, MariaDB at $SQLSPEC_TEST_MYSQL_DSN)
	$(PY) -m pytest -n $(TEST_WORKERS) --durations=10

# mypy's files include tests/typing/user_script.py, a user's script over the whole public API; pyright
# checks it strictly too, and verifytypes fails unless every exported symbol's type is known.
lint: $(STAMP) ## ruff (lint + format check), strict mypy and pyright, 100% pyright --verifytypes
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pyright --pythonpath $(PY) tests/typing/user_script.py
	$(PY) tests/typing/verifytypes.py sqlspec sqlspec_litestar

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo: $(STAMP) ## Run the demo: migrations on an embedded SQLite database
	$(PY) demo/run.py

crash: $(STAMP) ## SIGKILL/SIGTERM/SIGINT migrators and kill their backends at random, 50 trials each per database
	$(PY) -m stress.crash --trials 50 --signal all

docs: $(STAMP) ## Build the documentation site (warnings are errors)
	$(VENV)/bin/mkdocs build --strict --site-dir build/site

$(BENCH_STAMP): pyproject.toml benchmarks/requirements.txt
	@if command -v uv >/dev/null 2>&1; then \
		uv venv --allow-existing $(BENCH_VENV) && \
		uv pip install --python $(BENCH_PY) -e '.[postgres,mysql,lint]' -r benchmarks/requirements.txt; \
	else \
		python3 -m venv $(BENCH_VENV) && $(BENCH_PY) -m pip install -q -U pip && \
		$(BENCH_PY) -m pip install -q -e '.[postgres,mysql,lint]' -r benchmarks/requirements.txt; \
	fi
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ## Benchmark against the raw driver, Alembic and yoyo (~13 min; not part of test)
	$(BENCH_PY) -m benchmarks run $(BENCH_ARGS)

bench-safety: $(BENCH_STAMP) ## Time `sqlspec test` over 100 migrations (vs the same calls one by one) and lint of 1,000 files (~4 min)
	$(BENCH_PY) -m benchmarks.safety

bench-fleet: $(BENCH_STAMP) ## 1,000 PostgreSQL tenant schemas and 200 SQLite files x 10 migrations at concurrency 1/4/16 (~4 min a round)
	$(BENCH_PY) -m benchmarks.fleet

clean: ## Remove the virtualenv and build output
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

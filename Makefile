# stoker — developer entry points. Nothing clever: each target is a few plain commands.
#   make run     the daemon in the foreground, SQLite + local Spark, example jobs registered
#   make test    the whole suite against a throw-away PostgreSQL and Kafka (started and stopped here)
#   make lint    ruff, mypy (strict on stoker/), import-linter contracts
#   make bench   start-latency benchmark (prints figures; BENCH_ARGS="--runs 20")
#   make docs    the documentation site into site/ (offline; make docs-serve: on 127.0.0.1:8000)
#   make pg-up / make pg-down   the test PostgreSQL by hand (scripts/postgres.sh)
#   make kafka-up / make kafka-down   a local Kafka broker, 127.0.0.1:$KAFKA_PORT (9092) (scripts/kafka.sh)
#   make spark-up / make spark-down   a local Spark standalone master and worker, spark://127.0.0.1:7077 (scripts/spark.sh)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when pyproject.toml is newer than the last install.
STAMP := $(VENV)/.installed

# The Kafka broker of `make test`, apart from a development broker on 9092.
TEST_KAFKA_PORT ?= 39092

# Spark binds to the external interface otherwise.
export SPARK_LOCAL_IP ?= 127.0.0.1

.PHONY: help venv install run test lint bench docs docs-serve pg-up pg-down kafka-up kafka-down spark-up spark-down test-deps

help:
	@sed -n '2,9s/^# *//p' Makefile

venv install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "stoker needs Python 3.11+; $(PYTHON) is $$($(PYTHON) --version 2>&1)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing stoker into $(VENV) (log: $(VENV)/pip.log)"
	@$(BIN)/python -m pip install -q --upgrade pip >$(VENV)/pip.log 2>&1 \
		&& $(BIN)/python -m pip install -q -e '.[dev,docs]' >>$(VENV)/pip.log 2>&1 \
		|| { cat $(VENV)/pip.log >&2; echo "pip install failed (log: $(VENV)/pip.log)" >&2; exit 1; }
	@touch $(STAMP)

# Defaults: data in ./stoker-data, SQLite, Spark local[*], API on 127.0.0.1:8421.
# Example job files use paths relative to the repository root, the daemon's working directory.
# scripts/java.sh installs Spark's Java on Debian when missing (as root), else says how.
run: $(STAMP)
	@scripts/java.sh
	STOKER_DAEMON__EXAMPLE_JOBS_DIR='$(CURDIR)/examples' exec $(BIN)/stoker daemon

test-deps:
	@PYTHON='$(PYTHON)' scripts/test-deps.sh

# PostgreSQL and Kafka are stopped whatever pytest does; pytest's exit status is make's
# (5, "no tests collected", is a failure like any other non-zero status).
test: test-deps $(STAMP)
	@trap 'KAFKA_PORT=$(TEST_KAFKA_PORT) scripts/kafka.sh down || true; scripts/postgres.sh down' EXIT; \
	trap 'exit 130' INT TERM; \
	url=$$(scripts/postgres.sh up); \
	kafka=$$(KAFKA_PORT=$(TEST_KAFKA_PORT) scripts/kafka.sh up); \
	status=0; \
	STOKER_TEST_PG_URL="$$url" STOKER_TEST_KAFKA_BOOTSTRAP="$$kafka" \
		$(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ "$$status" -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; fi; \
	exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/start_latency.py $(BENCH_ARGS)

# The CLI and configuration references are generated from the code first (and committed).
# NO_MKDOCS_2_WARNING: the theme's end-of-life notice (docs/development.md says what follows).
docs: $(STAMP)
	$(BIN)/python scripts/docs_reference.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@echo "documentation: site/index.html (search: make docs-serve)"

docs-serve: $(STAMP)
	$(BIN)/python scripts/docs_reference.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

pg-up:
	@scripts/postgres.sh up

pg-down:
	scripts/postgres.sh down

kafka-up: $(STAMP)
	@scripts/kafka.sh up

kafka-down:
	scripts/kafka.sh down

spark-up: $(STAMP)
	@scripts/spark.sh up

spark-down:
	scripts/spark.sh down

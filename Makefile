# backend-planner — every target creates .venv itself, so `make demo` and `make test`
# work on a fresh machine (see README.md).
SHELL  := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Example workspace the demo runs on.
DEMO_WORKSPACE ?= examples/go-gin-shop

.PHONY: all venv demo test test-deps bench lint clean

all: test

# pip's "Location ... is ignored" lines come from some machines' pip config: noise, filtered out.
PIP_QUIET := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "make: could not create $(VENV) with $(PYTHON) -m venv (Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }
	@echo "Installing backend-planner and its test tools into $(VENV) ..."
	@$(PY) -m pip install --quiet --upgrade pip $(PIP_QUIET)
	@$(PY) -m pip install --quiet -e '.[dev]' $(PIP_QUIET)
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/backend-planner analyze $(DEMO_WORKSPACE)
	@# Plan, then push over MCP stdio to the embedded SQLite backend (a fresh store per run).
	rm -rf $(VENV)/demo-data
	BACKEND_PLANNER_DATA_DIR=$(VENV)/demo-data $(BIN)/backend-planner plan \
	  "Build subscription API with Stripe" $(DEMO_WORKSPACE) --push

# System packages the tests need (PostgreSQL server, ...): installed from Debian's
# packages when missing. Each script is idempotent and quick when nothing is missing.
test-deps: $(STAMP)
	@for s in scripts/test-deps/*.sh; do [ -e "$$s" ] || continue; bash "$$s" || exit $$?; done

test: test-deps
	$(BIN)/pytest

bench: $(STAMP)
	$(PY) bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .bench

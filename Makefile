# backend-planner — every target creates .venv itself, so `make demo` and `make test`
# work on a fresh machine (see README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Example workspace the demo runs on.
DEMO_WORKSPACE ?= examples/go-gin-shop

.PHONY: all venv demo test test-deps bench lint clean

all: test

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/backend-planner analyze $(DEMO_WORKSPACE)

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

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

.PHONY: all venv demo test test-deps test-extension extension bench lint clean

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

# The VS Code extension (client-vscode/): node deps from package-lock.json, then the .vsix.
EXT        := client-vscode
VSIX       := $(EXT)/backend-planner.vsix
EXT_STAMP  := $(EXT)/node_modules/.installed
EXT_SRC    := $(wildcard $(EXT)/src/*.ts) $(EXT)/package.json $(EXT)/esbuild.mjs $(EXT)/README.md

$(EXT_STAMP): $(EXT)/package.json $(EXT)/package-lock.json
	@command -v npm >/dev/null || { echo "make: npm (Node.js >= 20) is needed for the VS Code extension" >&2; exit 1; }
	@echo "Installing the VS Code extension's node packages ..."
	@cd $(EXT) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(EXT_STAMP)

$(VSIX): $(EXT_STAMP) $(EXT_SRC)
	@cd $(EXT) && npm run --silent package

extension: $(VSIX)

# Unit tests of the extension's own logic (node's test runner).
test-extension: $(EXT_STAMP)
	@cd $(EXT) && npm test --silent

# System packages the tests need (PostgreSQL server, ...): installed from Debian's
# packages when missing. Each script is idempotent and quick when nothing is missing.
test-deps: $(STAMP)
	@for s in scripts/test-deps/*.sh; do [ -e "$$s" ] || continue; bash "$$s" || exit $$?; done

test: test-deps test-extension $(VSIX)
	$(BIN)/pytest

bench: $(STAMP)
	$(PY) bench/run.py

lint: $(STAMP) $(EXT_STAMP)
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench
	$(BIN)/mypy
	cd $(EXT) && npm run --silent typecheck

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .bench .vscode-test test-artifacts
	rm -rf $(EXT)/node_modules $(EXT)/dist $(EXT)/out $(VSIX)

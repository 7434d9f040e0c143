# youfu — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export YOUFU_DEMO_PASSWORD ?= youfu-demo-2026

.PHONY: demo test layers lint scope-check typecheck migrations-check test-sqlite test-postgres test-browser catalogs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "youfu needs Python 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## demo: embedded SQLite in ./var, the demo county, a queue worker and the server on 127.0.0.1:$(PORT)
demo: $(BIN)/.installed
	$(BIN)/youfu migrate --noinput -v0
	$(BIN)/youfu load-demo --i-know-this-is-not-production
	PORT=$(PORT) scripts/serve-demo.sh

## test: the whole suite, the same locally and in CI
test: layers lint scope-check typecheck migrations-check test-sqlite test-postgres test-browser

## layers: dependencies run one way (the contract in pyproject.toml; docs/architecture.md)
layers: $(BIN)/.installed
	$(BIN)/lint-imports --no-cache

lint: $(BIN)/.installed
	$(BIN)/ruff check youfu
	$(BIN)/ruff format --check youfu

## scope-check: no query of a personal-data model outside region scope unless its module says why
scope-check: $(BIN)/.installed
	$(BIN)/python scripts/check-scope.py youfu

typecheck: $(BIN)/.installed
	$(BIN)/mypy youfu

migrations-check: $(BIN)/.installed
	YOUFU_HOME=var/check $(BIN)/youfu makemigrations --check --dry-run

test-sqlite: $(BIN)/.installed
	YOUFU_HOME=var/test $(BIN)/pytest -m "not browser" -n 2 -q

test-postgres: $(BIN)/.installed
	YOUFU_HOME=var/test scripts/test-postgres.sh

test-browser: $(BIN)/.installed
	YOUFU_HOME=var/test scripts/test-browser.sh

## catalogs: refresh and compile the zh-Hans and en translation catalogs
catalogs: $(BIN)/.installed
	scripts/update-catalogs.sh

clean:
	rm -rf var/test var/check artifacts

# youfu — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export YOUFU_DEMO_PASSWORD ?= youfu-demo-2026

.PHONY: demo test layers lint scope-check typecheck migrations-check test-sqlite test-postgres test-browser catalogs clean \
	fuzz fuzz-api fuzz-imports faults

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

## fuzz: the deep runs of the hostile-input tests (issue 15); `make test` runs a few examples of each.
## fuzz-api: schemathesis on every operation as a county clerk and an admin, with negative data, the
## coverage phase and chained workflows; fuzz-imports: the four importers under hostile files.
## More or fewer: FUZZ_API_EXAMPLES, FUZZ_API_WORKFLOWS, FUZZ_IMPORT_EXAMPLES. PostgreSQL: set
## YOUFU_DATABASE_URL. The figures are summed at the end (bench/README.md, "Hostile input").
FUZZ_API_EXAMPLES ?= 100
FUZZ_API_WORKFLOWS ?= 200
FUZZ_IMPORT_EXAMPLES ?= 5000
FUZZ_IMPORT_TESTS := youfu/registry/tests/test_import_fuzz.py youfu/benefits/tests/test_import_fuzz.py \
	youfu/core/tests/test_workdays_fuzz.py

fuzz: fuzz-api fuzz-imports

fuzz-api: $(BIN)/.installed
	mkdir -p var/fuzz && rm -f var/fuzz/api.jsonl
	YOUFU_HOME=var/test YOUFU_FUZZ=deep YOUFU_FUZZ_STATS=$(CURDIR)/var/fuzz/api.jsonl \
		YOUFU_FUZZ_API_EXAMPLES=$(FUZZ_API_EXAMPLES) YOUFU_FUZZ_API_WORKFLOWS=$(FUZZ_API_WORKFLOWS) \
		$(BIN)/pytest youfu/api/tests/test_schemathesis.py -n 2 -q
	$(BIN)/python scripts/fuzz-figures.py var/fuzz/api.jsonl

fuzz-imports: $(BIN)/.installed
	mkdir -p var/fuzz && rm -f var/fuzz/imports.jsonl
	YOUFU_HOME=var/test YOUFU_FUZZ=deep YOUFU_FUZZ_STATS=$(CURDIR)/var/fuzz/imports.jsonl \
		YOUFU_FUZZ_IMPORT_EXAMPLES=$(FUZZ_IMPORT_EXAMPLES) $(BIN)/pytest $(FUZZ_IMPORT_TESTS) -n 2 -q
	$(BIN)/python scripts/fuzz-figures.py var/fuzz/imports.jsonl

## faults: the deep run of the fault tests (issue 15): kill each command after every one of its
## statements, not every second or third; on PostgreSQL too with YOUFU_DATABASE_URL set. The figures
## go to var/fuzz/faults.jsonl, one line a test (bench/README.md, "Faults").
faults: $(BIN)/.installed
	mkdir -p var/fuzz && rm -f var/fuzz/faults.jsonl
	YOUFU_HOME=var/test YOUFU_FAULTS=deep YOUFU_FAULT_STATS=$(CURDIR)/var/fuzz/faults.jsonl \
		$(BIN)/pytest -m faults -q
	cat var/fuzz/faults.jsonl

## load: the load bench, small and bounded (20,000 people, 50 clerks, 30 s; bench/README.md, "Load"):
## PostgreSQL and Redis on loopback, gunicorn and locust (.venv/bin/pip install -e '.[load]'). Not in make test.
.PHONY: load
load: $(BIN)/.installed
	$(BIN)/python bench/bench_load.py --persons 20000 --users 50 --duration 30 --floor-duration 15

## catalogs: refresh and compile the zh-Hans and en translation catalogs
catalogs: $(BIN)/.installed
	scripts/update-catalogs.sh

clean:
	rm -rf var/test var/check var/fuzz artifacts

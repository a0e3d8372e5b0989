# Two entry points for a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test lint audit lock check clean load messages

$(BIN)/activate:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# requirements.lock pins every package the project installs, dependencies of dependencies too.
$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --constraint requirements.lock -e ".[dev]"
	@touch $@

## Install, load the seed demo data into SQLite, print keys and serve on http://$(HOST):$(PORT)
demo: $(VENV)/.installed
	MATCHMAKER_ENVIRONMENT=development $(BIN)/matchmaker demo --serve --host $(HOST) --port $(PORT)

serve: $(VENV)/.installed
	$(BIN)/matchmaker serve --host $(HOST) --port $(PORT)

## Install and run the whole test suite (SQLite unless MATCHMAKER_TEST_DATABASE_URL is set)
test: $(VENV)/.installed
	$(BIN)/python -m pytest --numprocesses=2 --dist=loadfile --no-loadscope-reorder

## Load test on 127.0.0.1: 64 locust users for 2 minutes against two workers (docs/reliability.md)
load: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --constraint requirements.lock -e ".[dev,load]"
	$(BIN)/python -m bench.load

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Known vulnerabilities in the locked dependencies (pip-audit; needs PyPI)
audit: $(VENV)/.installed
	$(BIN)/python -m tools.dependency_audit requirements.lock

## After changing dependencies in pyproject.toml: install them unconstrained, lock what installed
lock: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e ".[dev,load]"
	@echo "# Every package 'make test' and 'make load' install, exactly; regenerate with 'make lock'." > requirements.lock
	$(BIN)/python -m pip freeze --exclude-editable >> requirements.lock
	@touch $(VENV)/.installed

## Translators: add every new English text of the code and templates to each .po catalog
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --no-location --omit-header -F babel.cfg -o var/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i var/messages.pot -d service/i18n/locales -l zh

check: lint test

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

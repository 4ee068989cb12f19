# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest messages clean-var bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	bash scripts/run.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	PYTHONPATH=src $(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run

typecheck: $(STAMP)
	$(BIN)/mypy src tests bench

# The suite runs on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
pytest: $(STAMP)
	bash scripts/pytest.sh

test: lint typecheck pytest

messages: $(STAMP)
	cd src && ../$(BIN)/python ../manage.py makemessages --locale ru --ignore 'templates/admin/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --locale ru --ignore .venv

# The benchmark of bench/README.md (about 8 minutes on 2 cores): PostgreSQL on 127.0.0.1:5432, wrk from Debian.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
bench: $(STAMP)
	command -v wrk >/dev/null || $(SUDO) apt-get install -y wrk || ($(SUDO) apt-get update && $(SUDO) apt-get install -y wrk)
	$(BIN)/python -m bench.run

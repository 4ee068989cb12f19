# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest messages clean-var

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	bash scripts/run.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	PYTHONPATH=src $(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run

typecheck: $(STAMP)
	$(BIN)/mypy src tests

# The suite runs on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
pytest: $(STAMP)
	bash scripts/pytest.sh

test: lint typecheck pytest

messages: $(STAMP)
	cd src && ../$(BIN)/python ../manage.py makemessages --locale ru --ignore 'templates/admin/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --locale ru --ignore .venv

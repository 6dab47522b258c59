# Lantern: `make run` to try it, `make test` to check it. See README.md.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENV := LANTERN_MODE=demo


.PHONY: run totp test test-fast test-browser lint typecheck lock clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock files pin every package with its hashes; nothing unpinned is installed.
$(VENV)/.main-installed: requirements/main.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/main.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(VENV)/.main-installed $@

## run: install, migrate SQLite, create the demo health system and serve on 127.0.0.1:8000
run: $(VENV)/.main-installed
	$(DEMO_ENV) $(BIN)/lantern migrate --no-input
	$(DEMO_ENV) $(BIN)/lantern collectstatic --no-input --verbosity 0
	$(DEMO_ENV) $(BIN)/lantern demo
	$(DEMO_ENV) $(BIN)/lantern serve --host $(HOST) --port $(PORT)

## totp: print a demo user's current second-factor code (make totp USER=demo.clinician)
totp: $(VENV)/.main-installed
	@$(DEMO_ENV) $(BIN)/lantern totp $(USER)

## test: install and run the whole suite (unit, integration and browser tests)
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -n 2 -m "not browser"

test-browser: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -m browser

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy lantern

messages: $(VENV)/.dev-installed
	cd lantern && ../$(BIN)/django-admin makemessages --locale es --no-obsolete --no-location
	cd lantern && ../$(BIN)/django-admin compilemessages --locale es

## lock: re-resolve the lock files after changing dependencies in pyproject.toml
lock:
	UV_PYTHON_DOWNLOADS=never uv pip compile pyproject.toml requirements/build.in --universal \
	  --python-version 3.11 --generate-hashes -o requirements/main.txt
	UV_PYTHON_DOWNLOADS=never uv pip compile pyproject.toml requirements/build.in --extra dev \
	  --universal --python-version 3.11 --generate-hashes -o requirements/dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

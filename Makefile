# Two commands: `make run` (set up everything, serve the demo) and `make test`.
VENV   ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
PORT   ?= 5000
# The service assumes production unless told otherwise; make's commands are for development.
export TRIAGE_ENV_NAME ?= development
HOST   ?= 127.0.0.1

.PHONY: install run serve scheduler db demo test test-ahead test-fast lint bench bench-quick clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

db: install
	$(FLASK) db upgrade

demo: db
	PORT=$(PORT) $(FLASK) triage seed-demo

# The web server and the scheduler run side by side; Ctrl-C stops both.
run: demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(FLASK) triage scheduler & \
	  $(FLASK) run --host $(HOST) --port $(PORT)

serve: db
	$(FLASK) run --host $(HOST) --port $(PORT)

scheduler: db
	$(FLASK) triage scheduler

test: install lint
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

# The suite must not depend on today's date: run it on SQLite (browser tests aside) with the whole
# process's wall clock moved ahead by libfaketime (Debian package `faketime`; the monotonic clock
# stays real, see tests/support/faketime/sitecustomize.py). Another date:
# `make test-ahead AHEAD='2031-03-30 01:30:00'`.
AHEAD ?= $(shell date -u -d '+400 days' '+%Y-%m-%d 10:00:00')
test-ahead: install
	@command -v faketime >/dev/null || { echo "test-ahead needs libfaketime: apt-get install faketime"; exit 1; }
	FAKETIME_DONT_FAKE_MONOTONIC=1 PYTHONPATH=tests/support/faketime faketime '$(AHEAD)' \
	  $(PY) -m pytest tests/unit tests/integration tests/api tests/web tests/scheduler \
	  -q -p no:cacheprovider -k 'not postgresql' -m 'not browser'

test-fast: install
	$(PY) -m pytest tests/unit -q

bench: install
	$(PY) bench/run.py

bench-quick: install
	$(PY) bench/run.py --quick

clean:
	rm -rf $(VENV) node_modules instance/*.sqlite* .pytest_cache

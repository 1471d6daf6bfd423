# Groundwork: `make run` serves the app, `make test` runs every test.
# Both create .venv and install the pinned dependencies when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
# 127.0.0.1 (this machine only) unless ADDRESS or GROUNDWORK_ADDRESS says otherwise
ADDRESS ?=

.PHONY: run test bench lint demo clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Groundwork needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . \
		|| $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# demo mode: no sign-in, everyone is the demo admin (see README, "Sign-in and roles")
run: $(STAMP)
	$(VENV)/bin/groundwork serve --demo --port $(PORT) $(if $(ADDRESS),--address $(ADDRESS))

test: $(STAMP)
	$(PY) -m pytest

# exits 1 when a goal is missed; BENCH_ARGS="--quick" or "--only portfolio"
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests pages app.py bench
	$(VENV)/bin/ruff format --check src tests pages app.py bench

demo: $(STAMP)
	$(VENV)/bin/groundwork demo

clean:
	rm -rf $(VENV) build src/*.egg-info

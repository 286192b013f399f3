# The two commands of the README. Both work on a fresh machine: they make the virtual
# environment, install chips into it, and install what the tests need (Java for ODK
# Validate, Node's XForm engine, Chromium, a reachable PostgreSQL) when it is missing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test install test-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	bash scripts/ensure-runtime.sh
	$(VENV)/bin/chips demo

test-deps: $(STAMP)
	bash scripts/ensure-runtime.sh --tests

test: test-deps
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) tests/engine/node_modules .pytest_cache

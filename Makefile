# Two commands do all the set-up: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
REQUIREMENTS := requirements.txt $(wildcard requirements/*.txt)
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.installed-$(shell cat $(REQUIREMENTS) pyproject.toml | sha1sum | cut -c1-12)
PROD_STAMP := $(VENV)/.prod-$(shell cat requirements/prod.txt $(CONSTRAINTS) | sha1sum | cut -c1-12)

.PHONY: demo test test-slow test-browser test-topology bench lint venv venv-prod prod-up prod-down constraints clean

venv: $(STAMP)

# The stamp names the hash of the requirement files + pyproject.toml: `make venv` does nothing until one changes.
$(STAMP): $(REQUIREMENTS) pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	# The connector as a package (pyproject.toml, editable): workers, the CLI and tests import it the same
	# way, and Airflow finds its provider entry point (connection types akeneo and icecat).
	rm -f $$($(PY) -c "import site; print(site.getsitepackages()[0])")/icecat_akeneo.pth
	$(PY) -m pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-* $(VENV)/.prod-* && touch $(STAMP)

# Production extras (Celery provider, Redis client, PostgreSQL drivers) on top, against the same constraints.
venv-prod: $(PROD_STAMP)

$(PROD_STAMP): $(STAMP) requirements/prod.txt $(CONSTRAINTS)
	$(PY) -m pip install -q -r requirements/prod.txt -c $(CONSTRAINTS)
	rm -f $(VENV)/.prod-* && touch $(PROD_STAMP)

demo: $(STAMP)
	$(PY) -m demo

test: $(STAMP)
	$(PY) -m pytest -q -n auto

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# Headless Chromium from Debian (Playwright drives it; it never downloads a browser), screenshots printed.
test-browser: $(STAMP)
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	$(PY) -m pytest -q -s -m browser

# CeleryExecutor on the local PostgreSQL + Redis (deploy/prod.py), started and stopped by the test itself.
test-topology: $(PROD_STAMP)
	$(PY) -m pytest -q -s -m topology

# deploy/prod.py: the production topology without Docker (README "Production").
prod-up: $(PROD_STAMP)
	$(PY) -m deploy.prod up

prod-down:
	$(PY) -m deploy.prod down

# After bumping a pin in requirements/*.txt: a fresh venv where every set installs together, frozen.
constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/pip install -q -r requirements/runtime.txt -r requirements/sandbox.txt \
	    -r requirements/prod.txt -r requirements/dev.txt
	{ sed '/^[^#]/,$$d' $(CONSTRAINTS); .venv-constraints/bin/pip freeze --exclude-editable; } \
	    > $(CONSTRAINTS).new && mv $(CONSTRAINTS).new $(CONSTRAINTS) && rm -rf .venv-constraints

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check plugins dags sandbox tests demo bench deploy

clean:
	rm -rf $(VENV) .demo

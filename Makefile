# Two commands do all the set-up: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test test-slow test-browser bench lint venv clean

venv: $(STAMP)

# The stamp names the hash of requirements.txt + pyproject.toml: `make venv` does nothing until one changes.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	# The connector as a package (pyproject.toml, editable): workers, the CLI and tests import it the same
	# way, and Airflow finds its provider entry point (connection types akeneo and icecat).
	rm -f $$($(PY) -c "import site; print(site.getsitepackages()[0])")/icecat_akeneo.pth
	$(PY) -m pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)
	$(PY) -m demo

test: $(STAMP)
	$(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# Headless Chromium from Debian (Playwright drives it; it never downloads a browser), screenshots printed.
test-browser: $(STAMP)
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	$(PY) -m pytest -q -s -m browser

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check plugins dags sandbox tests demo bench

clean:
	rm -rf $(VENV) .demo

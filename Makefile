# Two commands do all the set-up: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: demo test test-slow test-browser bench lint venv clean

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	# The connector package lives in plugins/ (Airflow puts it on sys.path); make it importable from the venv too.
	$(PY) -c "import os,site; open(os.path.join(site.getsitepackages()[0],'icecat_akeneo.pth'),'w').write(os.path.abspath('plugins')+'\n')"
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

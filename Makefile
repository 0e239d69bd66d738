# Chokepoint: `make run` and `make test` are the whole set-up on a fresh machine (Debian, Python 3.11).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export CHOKEPOINT_DATA ?= data
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
DEMO_SHIPMENTS ?= 1000000

.PHONY: run test lint bench data browser-deps clean-data

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

# Headless Chromium and its driver for the browser tests (Debian packages; run as root).
browser-deps:
	@if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then \
		echo "Installing chromium and chromium-driver (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# The demo lake: real CBP + BTS files imported, then the seeded generator. Built once, when absent.
data: $(STAMP)
	@if [ ! -f "$(CHOKEPOINT_DATA)/lake/DEMO_BUILT" ]; then \
		$(PY) -m ingest demo --shipments $(DEMO_SHIPMENTS); \
	fi

run: data
	$(PY) app.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(STAMP) browser-deps lint
	$(PY) -m pytest

# Callback latency over the demo lake (see bench/); never part of `make test`.
bench: data
	$(PY) -m bench

clean-data:
	rm -rf "$(CHOKEPOINT_DATA)/lake" "$(CHOKEPOINT_DATA)/quarantine" "$(CHOKEPOINT_DATA)/public"

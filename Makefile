# Chokepoint: `make run` and `make test` are the whole set-up on a fresh machine (Debian, Python 3.11).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export CHOKEPOINT_DATA ?= data
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-nodeps.txt | sha1sum | cut -c1-12)
DEMO_SHIPMENTS ?= 1000000

.PHONY: run test test-fast lint bench data browser-deps clean-data live publish run-public bench-public

$(STAMP): requirements.txt requirements-nodeps.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
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
		$(PY) -m ops demo --shipments $(DEMO_SHIPMENTS); \
	fi

run: data
	$(PY) app.py

# The public extract (aggregates only, disclosure-controlled) from the lake; `demo` also runs it.
publish: data
	$(PY) -m ingest publish

# The public, read-only view: a separate process on port 8051 that reads only $(CHOKEPOINT_DATA)/public.
run-public: publish
	$(PY) app.py --public

# The app with a live feed: the inbox watcher and the simulator in the background; Ctrl-C stops all.
live: data
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT INT TERM; \
	$(PY) -m ops watch & \
	$(PY) -m ingest simulate --rate 50 & \
	$(PY) app.py & \
	wait

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: $(STAMP) browser-deps lint
	$(PY) -m pytest

# The inner loop: everything but the browser tests and the full-lake ones.
# The inner loop: no browser, no full lake, on two processes (pytest-xdist); each builds its own
# session fixtures, so the tests stay independent of each other's order.
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -m "not slow and not browser"

# The national-scale benchmark (bench/national.py): builds or reuses lakes of 1M, 5M and 20M
# shipments under .cache/bench/, serves the app under gunicorn, replays an analyst session
# against raw-DuckDB and pandas baselines; never part of `make test`. BENCH_SIZES picks sizes.
BENCH_SIZES ?= 1000000,5000000,20000000
bench: $(STAMP) browser-deps
	$(PY) -m bench --sizes $(BENCH_SIZES)

# 50 concurrent clients for 60 s against gunicorn serving the public app; never part of `make test`.
bench-public: publish
	$(PY) -m bench --public-load

clean-data:
	rm -rf "$(CHOKEPOINT_DATA)/lake" "$(CHOKEPOINT_DATA)/quarantine" "$(CHOKEPOINT_DATA)/public"

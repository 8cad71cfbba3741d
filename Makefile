# LayerLab: `make run` starts the app on a bundled sample; `make test` runs every test.
# Both create .venv and install the pinned requirements first (only when they changed).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
CHROMIUM := /usr/bin/chromium
AXE_VERSION := 4.14.1
AXE := .axe/node_modules/axe-core/axe.min.js

.PHONY: run test test-fast lint bench samples clean axe chromium postgres

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.installed
	@$(PY) -m compileall -q gui steps layerlab.py app.py  # bytecode now, not on the first page
	@echo "LayerLab: open http://127.0.0.1:$(PORT) (the Iris sample is loaded; Ctrl+C stops)"
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

chromium:
	@bash scripts/ensure_chromium.sh $(CHROMIUM)

# axe-core (the accessibility scan of tests/e2e/test_accessibility_e2e.py), pinned, from the
# npm registry into the gitignored .axe/ folder.
$(AXE):
	npm install --prefix .axe --no-save --no-audit --no-fund axe-core@$(AXE_VERSION)

axe: $(AXE)

# The store tests start their own PostgreSQL server (tests/postgres_server.py).
postgres:
	@bash scripts/ensure_postgres.sh

test: $(VENV)/.installed-test chromium postgres $(AXE)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

test-fast: $(VENV)/.installed-test postgres
	$(PY) -m pytest -m "not e2e"

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed-test chromium postgres
	$(PY) benchmarks/first_render.py
	$(PY) benchmarks/store_upload.py
	$(PY) benchmarks/million_rows.py
	$(PY) benchmarks/train_speed.py
	$(PY) benchmarks/inside_views.py
	$(PY) benchmarks/what_if.py
	$(PY) benchmarks/stop_and_refusals.py
	$(PY) benchmarks/ray_pool.py
	$(PY) benchmarks/live_view_cost.py
	$(PY) benchmarks/stop_in_browser.py
	$(PY) benchmarks/classroom.py
	$(PY) benchmarks/soak.py
	$(PY) benchmarks/default_quality.py --largest 5000

samples: $(VENV)/.installed
	$(PY) sample_data/make_samples.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results .axe

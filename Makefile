# The two commands of a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
VENDOR := src/qingche/core/static/vendor
# What the build steps below need installed first: the development install, or the production one (install-prod).
INSTALLED ?= $(VENV)/.installed

.PHONY: demo test install install-prod assets locale bytecode system-deps lint audit clean serve model model-skipped

demo: install
	$(BIN)/qingche demo

test: install system-deps
	bash scripts/test.sh

install: $(VENV)/.installed node_modules/.installed assets locale bytecode model

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# A production host: the runtime packages of requirements-prod.lock only (no test tools), checked against their
# hashes, Qingche itself from this tree (as `make install` does: it runs where it was unpacked, var/ beside it), then
# the same static files, translations and model.
# requirements-prod.lock is compiled from pyproject.toml with requirements.lock as its constraints (same versions).
install-prod: node_modules/.installed
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python --require-hashes requirements-prod.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(VENV)/.installed-prod
	$(MAKE) INSTALLED=$(VENV)/.installed-prod assets locale bytecode model

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end packages are copied from node_modules into static files (never committed, never a CDN).
assets: node_modules/.installed
	mkdir -p $(VENDOR)/tabler $(VENDOR)/htmx $(VENDOR)/echarts $(VENDOR)/tom-select
	cp node_modules/@tabler/core/dist/css/tabler.min.css $(VENDOR)/tabler/
	cp node_modules/@tabler/core/dist/js/tabler.min.js $(VENDOR)/tabler/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	cp node_modules/tom-select/dist/js/tom-select.complete.min.js $(VENDOR)/tom-select/
	cp node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css $(VENDOR)/tom-select/

# Compiled ahead: a process that must compile its imports itself (this machine sets PYTHONDONTWRITEBYTECODE,
# so it would do so at every start) spends about two seconds of CPU before serving its first request.
bytecode: $(INSTALLED)
	$(BIN)/python -m compileall -q -j 0 src

locale: $(INSTALLED)
	bash scripts/system-deps.sh --build
	cd src/qingche && ../../$(BIN)/django-admin compilemessages --ignore=.venv -v 0

# The request classifier (docs/classify.md), trained from the shared data beside the project; rebuilt only
# when the data or the classifier's code changed. Without the data it is skipped: suggestions stay off.
TAIDI_DIR := $(or $(QINGCHE_TAIDI_DIR),../shared/data/taidi2020)
MODEL_STAMP := $(or $(QINGCHE_VAR_DIR),var)/classifier/built-from-shared
model: $(if $(wildcard $(TAIDI_DIR)/train.csv),$(MODEL_STAMP),model-skipped)

$(MODEL_STAMP): $(wildcard $(TAIDI_DIR)/train.csv $(TAIDI_DIR)/*.xlsx) $(addprefix src/qingche/service/classify/,data.py model.py build.py) $(INSTALLED)
	$(BIN)/qingche service classifier-build
	touch $@

model-skipped:
	@echo "No shared data in $(TAIDI_DIR) (set QINGCHE_TAIDI_DIR): the request classifier is not built."

# What the tests need from the system: Debian's Chromium for the browser tests.
system-deps:
	bash scripts/system-deps.sh

lint: install
	$(BIN)/ruff check .

# Known vulnerabilities in requirements.lock (pip-audit) and package-lock.json (npm audit); an advisory service
# that cannot be reached is a warning (scripts/audit.sh).
audit:
	bash scripts/audit.sh

serve: install
	$(BIN)/qingche serve --migrate

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var

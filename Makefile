# Kaeru's front door: `make run` brings up a demo warehouse, `make test` runs the whole suite.
# Each target installs what it needs first (Debian packages when root, a local virtualenv).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.stamp-deps
DEBIAN_PACKAGES := libzbar0 chromium fonts-noto-cjk fonts-dejavu-core fonts-ipaexfont-gothic poppler-utils
export KAERU_DATABASE_URL ?= sqlite:///$(CURDIR)/var/kaeru.db

.PHONY: run test lint bench system-deps deps services clean lock audit i18n

system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

# The locked set (deploy/requirements.lock: every package pinned with its hashes, for Python 3.11 on
# Linux x86_64), then Kaeru itself on top without resolving anything. A package pyproject.toml names
# that the lock lacks (added since the last `make lock`) is installed unpinned with a warning, so a
# stale lock never stops the suite; `make lock` pins it.
LOCK := deploy/requirements.lock
$(STAMP): pyproject.toml $(LOCK) | $(PY)
	$(PIP) install -q --require-hashes -r $(LOCK) 2>&1 | grep -v '^WARNING: Location' || true
	$(PIP) install -q --no-deps --no-build-isolation -e . 2>&1 | grep -v '^WARNING: Location' || true
	@$(PY) -m pip check >/dev/null 2>&1 || { \
	  echo "WARNING: $(LOCK) lacks what pyproject.toml asks for; installing it unpinned (run make lock):"; \
	  $(PY) -m pip check || true; \
	  $(PIP) install -q --no-build-isolation -e '.[dev,rfid,carriers]' 2>&1 | grep -v '^WARNING: Location' || true; }
	$(PY) -c "import wms, devices, labels, fastapi, sqlmodel, zxingcpp, playwright, prometheus_client, opentelemetry.sdk"
	touch $(STAMP)

deps: system-deps $(STAMP)

# PostgreSQL must be up for the concurrency tests; start the local cluster if it is down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || { \
	  echo "starting Redis"; redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; }

# Browser tests drive Chromium through Playwright's own event loop, so they run in a pytest
# process of their own, after the rest.
test: deps services
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/browser -m "not browser"
	$(PY) -m pytest -q -p no:cacheprovider tests/browser

PACKAGES := wms devices labels kiosk_ui simulators kaeru_config

# The same checks as .pre-commit-config.yaml: style and bugs, types over every package, import contracts.
lint: deps
	$(VENV)/bin/ruff check $(PACKAGES) tests bench
	$(VENV)/bin/mypy $(PACKAGES)
	$(VENV)/bin/lint-imports --no-logo

# Refresh the lock after changing dependencies in pyproject.toml: new packages at their newest release,
# the rest as locked (`make lock LOCK_FLAGS=--upgrade` takes every newest release allowed by
# pyproject.toml; `LOCK_FLAGS='--upgrade-package NAME'` one). For the interpreter and platform CI and the
# image use. deploy/runtime.lock is the image's subset (no dev tools), at the same versions. Commit both;
# `make deps` and the image install exactly those.
lock: $(PY)
	@$(VENV)/bin/uv --version >/dev/null 2>&1 || $(PIP) install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml deploy/build-requirements.in --extra dev --extra rfid --extra carriers \
	  --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	  --index-url https://pypi.org/simple --emit-index-url --no-header $(LOCK_FLAGS) -o $(LOCK)
	$(VENV)/bin/uv pip compile pyproject.toml deploy/build-requirements.in --extra rfid --extra carriers -c $(LOCK) \
	  --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	  --index-url https://pypi.org/simple --emit-index-url --no-header -o deploy/runtime.lock

# Known vulnerabilities in the locked set (pip-audit against PyPI's advisory data); see deploy/audit.py
# for what fails the build and what is only reported.
audit: deps
	$(PY) deploy/audit.py $(LOCK)

# The server's words in other languages: extract every message (code and grading rubrics) into
# wms/locale/kaeru.pot, merge it into each language's kaeru.po (new messages come untranslated), and
# compile each kaeru.po to the kaeru.mo the server reads. Commit the .po and .mo files together;
# tests/unit/test_catalogs.py fails while a message lacks a translation or a .mo is stale.
i18n: deps
	$(PY) -m wms.locale.catalogs

bench: deps services
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

run: deps
	$(PY) -m simulators.demo

clean:
	rm -rf $(VENV) var .pytest_cache

# Kaeru's front door: `make run` brings up a demo warehouse, `make test` runs the whole suite.
# Each target installs what it needs first (Debian packages when root, a local virtualenv).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.stamp-deps
DEBIAN_PACKAGES := libzbar0 chromium fonts-noto-cjk fonts-dejavu-core fonts-ipaexfont-gothic poppler-utils
export KAERU_DATABASE_URL ?= sqlite:///$(CURDIR)/var/kaeru.db

.PHONY: run test lint bench system-deps deps services clean

system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(PIP) install -q -e '.[dev,rfid]' 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -c "import wms, devices, labels, fastapi, sqlmodel, zxingcpp, playwright" 
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

bench: deps services
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

run: deps
	$(PY) -m simulators.demo

clean:
	rm -rf $(VENV) var .pytest_cache

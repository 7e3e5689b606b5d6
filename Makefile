# BookMe: `make run` serves the demo, `make test` runs every test.
# Both create .venv and install what they need; nothing to do first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test install install-dev migrate demo lint typecheck format check-deploy clean \
	browser-js browser-deps lock hooks screenshots

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs come from the lock files in bookme_site/requirements/ (every version pinned and hashed), so
# every run, CI's included, gets the same packages; a changed lock file reinstalls.
$(VENV)/.installed: pyproject.toml bookme_site/requirements/base.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r bookme_site/requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml bookme_site/requirements/dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r bookme_site/requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Development settings (DEBUG=1, a secret of its own), read by bookme_site/settings.py, so
# that every `manage.py` command works as typed; git ignores the file, make never overwrites it.
.env: | $(VENV)/.installed
	$(PY) -m bookme_site.env .env

migrate: install .env
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# The web server and one background worker (emails, reminders, housekeeping) side by side;
# Ctrl-C stops both.
run: demo
	@$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

test: install-dev browser-js
	$(BIN)/pytest

# The README's pictures of the booking steps, at phone and desktop width, made by the browser
# test that checks each step fits its screen.
screenshots: install-dev browser-js
	BOOKME_SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest tests/browser/test_screenshots.py

# axe-core for the browser tests' accessibility checks, pinned by package-lock.json.
AXE := tests/browser/node_modules/axe-core/axe.min.js

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund && touch $@; \
	else \
		echo "npm not found: the browser tests will skip (run 'make browser-deps' as root)."; \
	fi

browser-js: $(AXE)

# The browser tests drive the system's chromium (never a browser download) and need npm
# for axe-core. Installing packages needs root; otherwise say what is missing.
browser-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -z "$$missing" ]; then \
		echo "browser test dependencies: chromium and npm are installed"; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	else \
		echo "missing:$$missing; install them as root (apt-get install$$missing)" \
			"or the browser tests will skip."; \
	fi
	@$(MAKE) --no-print-directory browser-js

# Benchmarks (bench/README.md): one command each; BENCH_ARGS passes options through,
# e.g. make bench-search BENCH_ARGS="--size M --db sqlite".
.PHONY: bench-search bench-http bench-api bench-peer
BENCH_ARGS ?=

$(VENV)/.installed-bench: pyproject.toml bookme_site/requirements/bench.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r bookme_site/requirements/bench.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

bench-search: $(VENV)/.installed-bench
	$(PY) bench/search.py $(BENCH_ARGS)

bench-http: $(VENV)/.installed-bench
	$(PY) bench/http_latency.py $(BENCH_ARGS)

bench-api: $(VENV)/.installed-bench
	$(PY) bench/http_load.py $(BENCH_ARGS)

bench-peer: $(VENV)/.installed-bench
	$(PY) bench/peer.py $(BENCH_ARGS)

# Re-lock after changing dependencies in pyproject.toml (tests/test_lockfile.py fails until
# then). Versions already locked stay; LOCK_ARGS=--upgrade moves everything to the newest.
# The dev lock leads: the runtime and bench locks take its versions, so installs can mix.
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --universal \
	--python-version 3.11 --custom-compile-command "make lock" $(LOCK_ARGS)

lock: | $(BIN)/activate
	$(BIN)/pip install --quiet uv
	$(UV_COMPILE) --extra dev -o bookme_site/requirements/dev.txt
	$(UV_COMPILE) -c bookme_site/requirements/dev.txt -o bookme_site/requirements/base.txt
	$(UV_COMPILE) --extra bench -c bookme_site/requirements/dev.txt -o bookme_site/requirements/bench.txt

# mypy with django-stubs: its plugin imports the settings, which need DEBUG or a SECRET_KEY;
# a developer's .env stays out of it.
typecheck: install-dev
	BOOKME_ENV_FILE= DEBUG=1 $(BIN)/mypy .

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(MAKE) --no-print-directory typecheck

# Git hooks (.pre-commit-config.yaml): ruff and the type check before each commit.
hooks: install-dev
	$(BIN)/pre-commit install

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The production settings must pass Django's deployment checklist (without a developer's .env).
check-deploy: install
	BOOKME_ENV_FILE= DEBUG=0 SECRET_KEY=check-deploy-only-$$(date +%s)-not-a-real-secret-key-0123456789 \
		ALLOWED_HOSTS=bookme.example.com BOOKME_SITE_URL=https://bookme.example.com \
		$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* test-db.sqlite3*

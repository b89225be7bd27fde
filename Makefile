# vpspanel — the two commands a newcomer needs are `make run` and `make test`.
# uv is used from PATH; without it, scripts/install-uv installs it into .tools/ first.
.PHONY: run test test-sqlite test-postgres lint format install ui

UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(strip $(UV)),)
UV := $(CURDIR)/.tools/uv/bin/uv
endif
export UV

$(CURDIR)/.tools/uv/bin/uv:
	bash scripts/install-uv

install: $(UV)
	$(UV) sync --frozen

# The web UI is built when missing or older than its sources (needs Node.js 20+).
ui:
	bash scripts/build-ui --if-stale

# The demo's port: `make run PORT=8080`.
PORT ?= 8000

run: install ui
	$(UV) run vpspanel serve --demo --port $(PORT)

test: install ui
	bash scripts/run-tests

test-sqlite: install
	$(UV) run pytest

test-postgres: install
	VPSPANEL_TEST_DATABASE_URL=$${VPSPANEL_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} $(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

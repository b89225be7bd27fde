# vpspanel — the two commands a newcomer needs are `make run` and `make test`.
.PHONY: run test test-sqlite test-postgres lint format install

UV ?= uv

install:
	@command -v $(UV) >/dev/null || { echo "uv is required: pip install uv"; exit 1; }
	$(UV) sync --frozen

run: install
	$(UV) run vpspanel serve --demo

test: install
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

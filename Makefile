# make serve: serve event.yaml at http://127.0.0.1:8000 (gunicorn alone)
# make serve-nginx: the production setup, nginx on http://127.0.0.1:8080 in front of gunicorn
# make test:  lint, type-check, check the import contracts and dead code, run the tests
# Both create or update the virtual environment in .venv first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-feeds

.PHONY: serve serve-nginx test venv check clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "feeds needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# Releases are rendered for the public base URL; locally that is gunicorn's own address.
serve: $(STAMP)
	FEEDS_BASE_URL="$${FEEDS_BASE_URL:-http://127.0.0.1:$${PORT:-8000}}" $(BIN)/gunicorn --config python:feeds.gunicorn_conf wsgi:app

serve-nginx: $(STAMP)
	$(BIN)/python deploy/serve_nginx.py

check: $(STAMP)
	$(BIN)/feeds check event.yaml

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/vulture
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The list of commands. `make run` and `make test` install into .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_DATABASE ?= sqlite:///var/demo.db
DEMO_CASES    ?= 200
DEMO_SMTP     ?= 127.0.0.1:2525

.PHONY: install run demo serve test lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install  ## the demo organisation end to end on SQLite, then the API on :8000 and SMTP on :2525
	$(BIN)/caseloom demo --fresh --cases $(DEMO_CASES) --database-url $(DEMO_DATABASE)
	CASELOOM_SMTP_LISTEN=$(DEMO_SMTP) CASELOOM_PUBLIC_URL=http://127.0.0.1:8000 $(BIN)/caseloom serve --database-url $(DEMO_DATABASE)

test: install  ## the whole suite, on SQLite and PostgreSQL
	$(BIN)/python -m pytest

lint: install  ## formatting, lint, types, layer contracts
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy --strict bench
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install  ## benchmarks: results in bench/results/*.json and a Markdown table
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

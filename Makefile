# Two commands do all the set-up on a fresh machine (Python 3.11 with venv):
#   make run    create .venv, install the pinned dependencies, serve the shipped model
#   make test   create .venv, install, then lint, type-check and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 1

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m service serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check service training tests benchmarks
	$(BIN)/ruff format --check service training tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_classifier.py

clean:
	rm -rf $(VENV) .cache .mypy_cache .ruff_cache .hypothesis

# DomTok — every target sets itself up: a fresh clone needs only `make chat` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev

.PHONY: help install migrate seed chat serve test test-unit test-e2e lint format bench clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing DomTok [$(EXTRAS)]"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade pip
	@$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project

migrate: install ## Create or upgrade the database schema
	@$(BIN)/domtok migrate

seed: migrate ## Load the demo shop (idempotent)
	@$(BIN)/domtok seed --demo

chat: seed ## Open the shopping chat (the main command)
	@$(BIN)/domtok chat

serve: seed ## Run the API on http://127.0.0.1:8000 (docs at /docs)
	@$(BIN)/domtok serve

test: install ## Run the whole suite
	@$(BIN)/pytest -q -p no:cacheprovider tests

lint: install ## ruff + mypy
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

format: install ## Apply ruff fixes and formatting
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

bench: install ## Run the benchmarks; results in bench/results/
	@$(BIN)/python -m bench.run

clean: ## Remove local state (var/) and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

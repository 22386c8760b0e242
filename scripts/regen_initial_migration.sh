#!/usr/bin/env bash
# Regenerate the single initial migration from the current models (pre-release only).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f services/migrations/versions/*_0001_initial_schema.py
DOMTOK_DATABASE_URL="sqlite+aiosqlite:///$tmp/blank.db" .venv/bin/alembic revision --autogenerate \
  --rev-id 0001 -m "initial schema" >/dev/null
rm -rf "$tmp"
.venv/bin/ruff format -q services/migrations/versions
echo "regenerated: $(ls services/migrations/versions/*_0001_*)"

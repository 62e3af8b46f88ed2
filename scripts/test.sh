#!/usr/bin/env bash
# The whole suite: lint (ruff, its formatter and import-linter), then every test on SQLite (browser tests included), then every test on
# PostgreSQL. Under CI=true a missing PostgreSQL or Chromium fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${QINGCHE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/qingche}

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check .

echo "== import-linter (the layers between modules: pyproject.toml [tool.importlinter])"
$BIN/lint-imports --no-cache

echo "== known vulnerabilities of the pinned packages (an unreachable advisory service is only a warning)"
bash scripts/audit.sh

echo "== tests on SQLite (with the browser tests)"
env -u DATABASE_URL $BIN/pytest -q "$@"

echo "== tests on PostgreSQL"
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  DATABASE_URL=$PG_URL $BIN/pytest -q -m "not browser" "$@"
  echo "== benchmarks at a small scale (each must still run; no figure is checked)"
  bash scripts/bench-smoke.sh
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not reachable on 127.0.0.1:5432: the PostgreSQL run is required under CI." >&2
  exit 1
else
  echo "PostgreSQL is not reachable on 127.0.0.1:5432: skipped the PostgreSQL run (required under CI)."
fi

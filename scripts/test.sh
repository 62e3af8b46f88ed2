#!/usr/bin/env bash
# The whole suite: lint (ruff, its formatter and import-linter), then every test on SQLite (browser tests included)
# and, beside it in a second process, every test that reaches the database again on PostgreSQL (conftest.py keeps
# them under QINGCHE_TEST_DATABASE_ONLY=1), followed by the benchmark smoke run. The two runs
# share nothing: the PostgreSQL one has its own var directory (keys, media; the classifier model is shared read-only)
# and its own Redis database. Under CI=true a missing PostgreSQL or Chromium fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${QINGCHE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/qingche}

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check .

echo "== import-linter (the layers between modules: pyproject.toml [tool.importlinter])"
$BIN/lint-imports --no-cache

pg_pid=""
pg_log=$(mktemp)
pg_var=$(mktemp -d)
trap 'rm -rf "$pg_log" "$pg_var"' EXIT
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  [ -d var/classifier ] && ln -s "$PWD/var/classifier" "$pg_var/classifier"
  cp var/*_key "$pg_var"/ 2>/dev/null || true  # the same keys: a database that holds data refuses new ones
  (
    export DATABASE_URL=$PG_URL QINGCHE_VAR_DIR=$pg_var QINGCHE_TEST_REDIS_URL=redis://127.0.0.1:6379/14
    QINGCHE_TEST_DATABASE_ONLY=1 $BIN/pytest -q -p no:cacheprovider -m "not browser" "$@"
    echo "== benchmarks at a small scale (each must still run; no figure is checked)"
    bash scripts/bench-smoke.sh
  ) >"$pg_log" 2>&1 &
  pg_pid=$!
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not reachable on 127.0.0.1:5432: the PostgreSQL run is required under CI." >&2
  exit 1
else
  echo "PostgreSQL is not reachable on 127.0.0.1:5432: skipped the PostgreSQL run (required under CI)."
fi

echo "== tests on SQLite (with the browser tests)${pg_pid:+; the PostgreSQL run goes on beside it}"
sqlite_rc=0
env -u DATABASE_URL $BIN/pytest -q "$@" || sqlite_rc=$?

pg_rc=0
if [ -n "$pg_pid" ]; then
  wait "$pg_pid" || pg_rc=$?
  echo "== tests on PostgreSQL, then the benchmark smoke run"
  cat "$pg_log"
fi
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]

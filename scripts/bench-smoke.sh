#!/usr/bin/env bash
# Every benchmark at a tiny scale, so that one the code has outgrown fails `make test` instead of the
# next person who measures. Only that each runs and ends with one JSON object is checked: figures at
# this scale say nothing, so no target is. Needs PostgreSQL (each benchmark makes its own database).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() {
  local name=$1; shift
  if ! $PY "bench/$name.py" "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "bench/$name.py failed at a small scale" >&2
    exit 1
  fi
  tail -n 1 "$log" | $PY -c "import json, sys; json.loads(sys.stdin.read())" \
    || { echo "bench/$name.py did not end with one JSON object" >&2; exit 1; }
  echo "bench/$name.py: ok"
}

run appraisal --people 1000
run appraisal_cycle --towns 3 --staff 5
run scope --units 600 --towns 20 --people 1000 --reps 5 --warmup 1 --no-what-if --jobs 1
run admission --towns 20 --tasks 300 --reps 5 --warmup 1
run burden --requests 3000 --towns 20 --reps 2 --raw-reps 1
run rates --requests 3000 --towns 20 --reps 2
run import --rows 1000
run intake --requests 100 --workers 2 --concurrency 4
run intake_restart --seconds 8 --restart-at 3 --down 1 --open311-clients 1 --web-clients 1 --rate 2
run idle --seconds 5 --settle 2
run classify --limit 300 --predict 50 --no-baseline
run routing --limit 40
run pages --scale 0.05 --reps 1

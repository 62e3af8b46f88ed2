#!/usr/bin/env bash
# Installs what the test suite needs from Debian: Chromium for the browser tests, gettext for the
# translations. PostgreSQL is expected on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (each started here if
# installed but stopped).
set -euo pipefail

# --build: only what building needs (gettext for the translations); default: also what tests need.
need=()
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
[ "${1:-}" = "--build" ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${need[*]} from Debian's packages..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "Missing ${need[*]}: install them with your package manager (e.g. apt-get install ${need[*]})." >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi

[ "${1:-}" = "--build" ] && exit 0

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    version=$(ls /etc/postgresql 2>/dev/null | head -n 1)
    [ -n "$version" ] && pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
fi
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 \
    && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
fi
exit 0

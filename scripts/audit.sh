#!/usr/bin/env bash
# `make audit`: known vulnerabilities in the pinned packages — pip-audit against requirements.lock, npm audit
# against package-lock.json. A known vulnerability fails (for npm: of high or critical severity); an advisory
# service that cannot be reached (an offline network, a mirror without the audit endpoint) is a warning only,
# since no answer is not a finding. pip-audit is pinned among the development packages (requirements.lock); on a
# production install (no test tools) the Python half is skipped with a warning (docs/operator-guide.md, Dependencies).
set -u
cd "$(dirname "$0")/.."
status=0
unreachable='ConnectionError|Max retries|Name or service not known|Temporary failure in name resolution|timed out|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|audit endpoint returned an error|ServiceError|403 Forbidden|405 Method Not Allowed'

warn() { echo "WARNING: $*" >&2; }

pip_audit=""
if [ -x .venv/bin/pip-audit ]; then pip_audit=.venv/bin/pip-audit; elif command -v pip-audit >/dev/null; then pip_audit=pip-audit; fi
if [ -z "$pip_audit" ]; then
    warn "pip-audit is not installed: the Python packages were not checked."
else
    out=$("$pip_audit" -r requirements.lock --no-deps --disable-pip --progress-spinner off 2>&1)
    code=$?
    echo "$out"
    if [ $code -ne 0 ]; then
        if grep -Eq "$unreachable" <<<"$out" && ! grep -Eq '^Found [0-9]+ known vulnerabilit' <<<"$out"; then
            warn "the Python advisory service could not be reached: the Python packages were not checked."
        else
            status=1
        fi
    fi
fi

out=$(npm audit --package-lock-only --audit-level=high 2>&1)
code=$?
echo "$out"
if [ $code -ne 0 ]; then
    if grep -Eq "$unreachable" <<<"$out" && ! grep -Eq 'vulnerabilit(y|ies) \(' <<<"$out"; then
        warn "the npm advisory service could not be reached: the front-end packages were not checked."
    else
        status=1
    fi
fi
exit $status

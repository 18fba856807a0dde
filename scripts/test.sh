#!/usr/bin/env bash
# Install everything the test suite needs and run it: lint, types, tests.
# Used as is by a newcomer and by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL: the tests run against a real server (each run creates its own database
# through the maintenance database `postgres`). A server that is down fails the
# PostgreSQL tests; LEDGER_TEST_SKIP_POSTGRES=1 skips them knowingly.
pg_up() {
    # pg_isready comes with the client package, which a fresh machine may lack (or have
    # only under /usr/lib/postgresql/*/bin); without it, a TCP connect says enough.
    local tool
    tool="$(command -v pg_isready || ls /usr/lib/postgresql/*/bin/pg_isready 2>/dev/null | tail -n1 || true)"
    if [ -n "$tool" ]; then
        "$tool" -q -h 127.0.0.1 -p 5432 2>/dev/null
    else
        (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
    fi
}
if [ "${LEDGER_TEST_SKIP_POSTGRES:-}" != 1 ] && ! pg_up; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
        for _ in $(seq 1 30); do pg_up && break; sleep 1; done
    fi
    pg_up || echo "warning: no PostgreSQL on 127.0.0.1:5432: its tests will fail" \
        "(start it, or set LEDGER_TEST_SKIP_POSTGRES=1 to skip them)"
fi

# Debian packages: chromium for the browser tests (Playwright cannot download its own
# browser here), wrk for the benchmark harness's smoke run, and Go with golang.org/x/mod
# (sumdb's tlog and note) to check the tamper-evident log with an implementation no one
# here wrote (tests/interop).
missing=""
command -v chromium >/dev/null || missing="$missing chromium"
command -v wrk >/dev/null || missing="$missing wrk"
# jq and curl: docs/credentials.md's offline verification, run as written by tests/docs.
command -v jq >/dev/null || missing="$missing jq"
command -v curl >/dev/null || missing="$missing curl"
command -v go >/dev/null || missing="$missing golang-go"
# The PostgreSQL server tools (initdb, pg_ctl, pg_basebackup): tests/replicas makes a primary
# and a streaming standby of its own with them (never skipped: missing tools fail them).
ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || command -v pg_basebackup >/dev/null \
    || missing="$missing postgresql"
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] || missing="$missing golang-golang-x-mod-dev"
if [ -n "$missing" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing$missing"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
        || echo "warning: could not install$missing"
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'

# The npm packages of the independent credential verifier (@digitalbazaar/vc, tests/interop),
# exactly as its package-lock.json pins them.
(cd tests/interop/vc_js && npm ci --no-audit --no-fund --loglevel=error)

echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== ruff format"; .venv/bin/ruff format --check .
echo "== import layers"; .venv/bin/lint-imports
echo "== pytest"; .venv/bin/python -m pytest "$@"

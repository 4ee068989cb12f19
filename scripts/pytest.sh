#!/usr/bin/env bash
# The whole pytest suite on SQLite and, when TEST_DATABASE_URL is set, on that database too.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
if [ ! -x /usr/bin/chromium ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "Chromium is missing on CI: browser tests cannot run." >&2
    exit 1
  fi
  cat >&2 <<'MSG'
##################################################################
#  /usr/bin/chromium is not installed: BROWSER TESTS ARE SKIPPED. #
#  Install it with: apt-get install -y chromium                    #
##################################################################
MSG
fi
# Live-server threads must not keep connections open, or PostgreSQL cannot drop the test database.
export DB_CONN_MAX_AGE=0
echo "== pytest on SQLite"
env -u DATABASE_URL "$BIN/pytest" "$@"
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== pytest on ${TEST_DATABASE_URL%%://*} (TEST_DATABASE_URL)"
  DATABASE_URL="$TEST_DATABASE_URL" "$BIN/pytest" "$@"
fi

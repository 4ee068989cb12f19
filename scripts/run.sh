#!/usr/bin/env bash
# `make run`: migrate, load the demo data, then serve the portal with gunicorn and run the task
# worker beside it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Gunicorn's master logs in the process time zone, its workers in Django's TIME_ZONE: one zone for both.
export TZ=${TZ:-Europe/Moscow}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-$HOST,localhost,127.0.0.1}

"$BIN/python" manage.py migrate --no-input -v0
"$BIN/python" manage.py collectstatic --no-input -v0
"$BIN/python" manage.py load_demo

"$BIN/gunicorn" dnevnik.wsgi:application --chdir src --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --access-logfile - &
WEB=$!
"$BIN/python" manage.py db_worker --no-reload --interval 1 &
WORKER=$!
# Periodic sweeps (trusted access the task missed, expired invitations, late arrivals); cron in production.
"$BIN/python" manage.py run_sweeps --every 300 >/dev/null &
SWEEPS=$!
# Ctrl-C (or a child that dies) stops all three once, says so, and ends with the status: 0 for Ctrl-C.
stop() {
  trap - INT TERM EXIT
  kill $WEB $WORKER $SWEEPS 2>/dev/null || true
  wait $WEB $WORKER $SWEEPS 2>/dev/null || true
  echo "Stopped."
  exit "${1:-0}"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

cat <<MSG

  Dnevnik is running:  http://$HOST:$PORT/
  Admin site:          http://$HOST:$PORT/admin/   (admin@dnevnik.test)
  API schema:          http://$HOST:$PORT/api/v1/openapi.json
  Codes (email/SMS):   var/outbox/email/ and var/outbox/sms.log
  Ctrl-C stops the server, the task worker and the periodic sweeps.

MSG
status=0
wait -n $WEB $WORKER $SWEEPS || status=$?
stop "$status"

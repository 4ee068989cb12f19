#!/usr/bin/env bash
# `make run`: migrate, load the demo data, then serve the portal with gunicorn and run the task
# worker and the periodic sweeps beside it, started again whenever they end. Ctrl-C stops all of them.
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

# keep_running NAME COMMAND...: run COMMAND, and run it again whenever it ends (after 1 s, doubling to 30 s,
# back to 1 s once it has run a minute), so a worker that dies never takes the web server with it.
keep_running() {
  local name=$1
  shift
  (
    child=
    trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait 2>/dev/null; exit 0' INT TERM
    pause=1
    while true; do
      started=$SECONDS
      "$@" &
      child=$!
      status=0
      wait "$child" || status=$?
      child=
      if ((SECONDS - started > 60)); then pause=1; fi
      echo "run.sh: the $name ended (status $status); starting it again in ${pause} s" >&2
      sleep "$pause" &
      wait $! || true
      pause=$((pause < 30 ? pause * 2 : 30))
    done
  ) &
}

"$BIN/gunicorn" dnevnik.wsgi:application --chdir src --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --access-logfile - &
WEB=$!
# The worker of the configured backend (the database's here, RQ's with REDIS_URL); it waits out a database
# restart by itself, and keep_running starts it again should it end anyway.
keep_running "task worker" "$BIN/python" manage.py task_worker --interval 1
WORKER=$!
# Periodic sweeps (trusted access the task missed, expired invitations, late arrivals); cron in production.
keep_running "periodic sweeps" "$BIN/python" manage.py run_sweeps --every 300 >/dev/null
SWEEPS=$!
# Ctrl-C (or the web server ending) stops all three once, says so, and ends with the status: 0 for Ctrl-C.
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
wait $WEB || status=$?
stop "$status"

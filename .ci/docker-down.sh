#!/usr/bin/env bash
# Stop the dockerd that .ci/docker-up.sh started (and nothing else).
set -uo pipefail
PIDFILE="${GODOCKERLINT_DOCKERD_PIDFILE:-/tmp/godockerlint-dockerd.pid}"
# The e2e suite's own dockerd is stopped by its session; one left by a killed
# session is stopped here too.
E2E_PIDFILE=/run/godockerlint-e2e/dockerd.pid
if [ -f "$E2E_PIDFILE" ] && kill -0 "$(cat "$E2E_PIDFILE")" 2>/dev/null; then
  echo "docker-down: stopping the e2e suite's dockerd (pid $(cat "$E2E_PIDFILE"))"
  kill -TERM "$(cat "$E2E_PIDFILE")" || true
fi
if [ ! -f "$PIDFILE" ]; then
  echo "docker-down: no dockerd started by docker-up ($PIDFILE missing); nothing to stop"
  exit 0
fi
pid="$(cat "$PIDFILE")"
if kill -0 "$pid" 2>/dev/null; then
  echo "docker-down: stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "docker-down: dockerd did not stop in 30s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
fi
rm -f "$PIDFILE"
exit 0

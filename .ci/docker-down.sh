#!/usr/bin/env bash
# Stop the dockerd that .ci/docker-up.sh started (and nothing else).
set -uo pipefail
PIDFILE="${GODOCKERLINT_DOCKERD_PIDFILE:-/tmp/godockerlint-dockerd.pid}"
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

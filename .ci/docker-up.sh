#!/usr/bin/env bash
# Install and start a Docker engine with BuildKit for the e2e suite (idempotent).
#
# - apt: docker.io (dockerd, containerd, runc, a 20.10 client with BuildKit at
#   /usr/bin/docker), docker-compose (v1, driven by pytest-docker),
#   busybox-static (root filesystem of the local stand-in base images), make
#   (copied into the golang stand-in), iproute2 (the e2e engine's bridge) and
#   ca-certificates (the stand-ins' CA bundle).
# - starts `dockerd --iptables=false` in the background unless an engine
#   already answers, and waits for it.
# The e2e suite does not build on this engine: its session starts and stops a
# dockerd of its own (tests/e2e/e2elib/engine.py, tests/e2e/README.md).
# Writes the pid of a dockerd it started to $GODOCKERLINT_DOCKERD_PIDFILE
# (default /tmp/godockerlint-dockerd.pid) so .ci/docker-down.sh stops only that.
set -euo pipefail

DOCKER=/usr/bin/docker
PIDFILE="${GODOCKERLINT_DOCKERD_PIDFILE:-/tmp/godockerlint-dockerd.pid}"
LOG="${GODOCKERLINT_DOCKERD_LOG:-/tmp/godockerlint-dockerd.log}"
TIMEOUT="${GODOCKERLINT_DOCKERD_TIMEOUT:-90}"

SUDO=""
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
fi

need_pkgs=()
[ -x /usr/sbin/dockerd ] && [ -x "$DOCKER" ] || need_pkgs+=(docker.io)
[ -x /usr/bin/docker-compose ] || need_pkgs+=(docker-compose)
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
[ -x /usr/bin/make ] || need_pkgs+=(make)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need_pkgs+=(iproute2)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need_pkgs+=(ca-certificates)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  echo "docker-up: installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${need_pkgs[@]}"
fi

if DOCKER_BUILDKIT=1 "$DOCKER" version >/dev/null 2>&1; then
  echo "docker-up: engine already running"
  exit 0
fi

echo "docker-up: starting dockerd (log: $LOG)"
# setsid: dockerd must outlive this script and not get the CI shell's signals.
$SUDO setsid dockerd --iptables=false >"$LOG" 2>&1 < /dev/null &
echo $! > "$PIDFILE"

deadline=$(( $(date +%s) + TIMEOUT ))
until "$DOCKER" version >/dev/null 2>&1; do
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "docker-up: ERROR: dockerd exited during startup; last log lines:" >&2
    tail -n 30 "$LOG" >&2 || true
    rm -f "$PIDFILE"
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "docker-up: ERROR: '$DOCKER version' did not answer within ${TIMEOUT}s; last log lines:" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  sleep 1
done
echo "docker-up: engine ready: $("$DOCKER" version --format '{{.Server.Version}}')"

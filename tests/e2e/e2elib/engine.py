"""A private Docker engine for the e2e suite, so it leaves other builds on the machine alone.

The suite tags its stand-in base images with public names (``golang:1.21``,
``alpine:3.20``, ``gcr.io/distroless/...``) and prunes BuildKit cache mounts
(the ephemeral-runner tests). On the machine's engine that would replace the
real images and empty the cache mounts of every other build. So by default
the suite runs against its own ``dockerd``, started here and stopped when the
session ends:

- ``--data-root /var/lib/godockerlint-e2e`` (images, layer cache, cache mounts:
  kept between sessions, so the stand-ins and layers are reused),
- ``--exec-root /run/godockerlint-e2e``, ``--pidfile /run/godockerlint-e2e/dockerd.pid``,
- socket ``unix:///run/godockerlint-e2e/docker.sock`` (exported as DOCKER_HOST
  for every docker/compose subprocess of the session),
- its own bridge ``gdle2e0`` (172.31.250.1/24, created with ``ip`` if missing),
  ``--iptables=false``: containers publish ports through docker-proxy on
  127.0.0.1, as on the machine's engine.

This needs root (or password-less sudo: then dockerd runs under ``sudo -n``
and its socket belongs to the caller's group) and ``/usr/sbin/dockerd`` (Debian's docker.io, which
.ci/docker-up.sh installs). ``GODOCKERLINT_E2E_ENGINE=shared`` runs against the
machine's engine instead (DOCKER_HOST or the default socket): then the suite
retags public names and prunes cache mounts there (tests/e2e/README.md).
Sessions must not overlap (the team serializes them with
``flock /tmp/godockerlint-e2e.lock``): a session stops the engine it started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Optional

DOCKERD = os.environ.get("GODOCKERLINT_E2E_DOCKERD", "/usr/sbin/dockerd")
DATA_ROOT = Path(os.environ.get("GODOCKERLINT_E2E_DATA_ROOT", "/var/lib/godockerlint-e2e"))
EXEC_ROOT = Path(os.environ.get("GODOCKERLINT_E2E_EXEC_ROOT", "/run/godockerlint-e2e"))
SOCKET = EXEC_ROOT / "docker.sock"
PIDFILE = EXEC_ROOT / "dockerd.pid"
LOG = Path(os.environ.get("GODOCKERLINT_E2E_DOCKERD_LOG", "/tmp/godockerlint-e2e-dockerd.log"))
BRIDGE = "gdle2e0"
BRIDGE_CIDR = os.environ.get("GODOCKERLINT_E2E_BRIDGE_CIDR", "172.31.250.1/24")


def mode() -> str:
    """'private' (default) or 'shared' (GODOCKERLINT_E2E_ENGINE=shared)."""
    value = os.environ.get("GODOCKERLINT_E2E_ENGINE", "private").strip() or "private"
    if value not in ("private", "shared"):
        raise ValueError(f"GODOCKERLINT_E2E_ENGINE must be 'private' or 'shared', not {value!r}")
    return value


def host() -> str:
    return f"unix://{SOCKET}"


def _answers(docker: str) -> bool:
    try:
        proc = subprocess.run([docker, "-H", host(), "version", "--format", "{{.Server.Version}}"],
                              capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _sudo() -> Optional[list]:
    """[] as root, ["sudo", "-n"] with password-less sudo, else None."""
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        return [sudo, "-n"]
    return None


def _bridge(sudo: list) -> None:
    ip = shutil.which("ip") or "/usr/sbin/ip"
    if subprocess.run([ip, "link", "show", BRIDGE], capture_output=True).returncode == 0:
        return
    for args in (["link", "add", BRIDGE, "type", "bridge"], ["addr", "add", BRIDGE_CIDR, "dev", BRIDGE],
                 ["link", "set", BRIDGE, "up"]):
        proc = subprocess.run([*sudo, ip, *args], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"ip {' '.join(args)} failed: {proc.stderr.strip()}")


class PrivateEngine:
    """start() returns a problem (one line) or None; stop() ends only a dockerd this object started."""

    def __init__(self, docker: str) -> None:
        self.docker = docker
        self.pid: Optional[int] = None
        self.sudo: list = []

    def start(self, timeout: float = 90) -> Optional[str]:
        if _answers(self.docker):
            return None  # a previous session's engine (not stopped): reuse it, leave it running
        sudo = _sudo()
        if sudo is None:
            return "the private e2e engine needs root or password-less sudo (or set GODOCKERLINT_E2E_ENGINE=shared)"
        self.sudo = sudo
        if not os.access(DOCKERD, os.X_OK):
            return f"no dockerd at {DOCKERD} (install docker.io: .ci/docker-up.sh)"
        try:
            _bridge(sudo)
        except RuntimeError as exc:
            return f"cannot create the e2e engine's bridge {BRIDGE}: {exc}"
        args = [*sudo, DOCKERD, "--data-root", str(DATA_ROOT), "--exec-root", str(EXEC_ROOT), "--pidfile",
                str(PIDFILE), "-H", host(), "--bridge", BRIDGE, "--iptables=false", "--ip-masq=false",
                "--log-level", "warn"]
        if sudo:
            import grp

            args += ["--group", grp.getgrgid(os.getgid()).gr_name]
        else:
            if PIDFILE.exists():
                PIDFILE.unlink()  # stale: the engine does not answer
        with LOG.open("ab") as log:
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        self.pid = proc.pid
        deadline = time.monotonic() + timeout
        while not _answers(self.docker):
            if proc.poll() is not None:
                self.pid = None
                return f"the e2e dockerd exited at start-up ({proc.returncode}); see {LOG}"
            if time.monotonic() > deadline:
                self.stop()
                return f"the e2e dockerd did not answer within {timeout:.0f}s; see {LOG}"
            time.sleep(0.5)
        return None

    def stop(self) -> None:
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            if self.sudo:  # sudo passes the signal on to dockerd
                subprocess.run([*self.sudo, "kill", "-TERM", str(pid)], capture_output=True)
            else:
                os.kill(pid, 15)
        except ProcessLookupError:
            return
        for _ in range(60):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:
                return
            time.sleep(0.5)
        subprocess.run([*self.sudo, "kill", "-KILL", str(pid)], capture_output=True)
        os.waitpid(pid, 0)

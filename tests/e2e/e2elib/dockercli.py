"""The Docker CLI with BuildKit, as the e2e suite and the benchmark use it.

Always ``/usr/bin/docker`` (Debian's docker.io client, which has BuildKit
built in) with ``DOCKER_BUILDKIT=1`` and ``/usr/bin`` first on PATH: on these
machines the newer client first on PATH (/usr/local/bin/docker) has no buildx
plugin, and BuildKit builds through it fail with "buildx component is missing".
``GODOCKERLINT_E2E_DOCKER`` overrides the client path.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

DOCKER = os.environ.get("GODOCKERLINT_E2E_DOCKER", "/usr/bin/docker")
COMPOSE = os.environ.get("GODOCKERLINT_E2E_COMPOSE", "/usr/bin/docker-compose")


def docker_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Environment for docker/compose subprocesses: BuildKit on, /usr/bin first on PATH."""
    env = dict(os.environ)
    env["PATH"] = "/usr/bin:/usr/sbin:/bin:/sbin" + (":" + env["PATH"] if env.get("PATH") else "")
    env["DOCKER_BUILDKIT"] = "1"
    env["COMPOSE_DOCKER_CLI_BUILD"] = "1"
    env.pop("DOCKER_CLI_EXPERIMENTAL", None)
    if extra:
        env.update(extra)
    return env


class DockerError(RuntimeError):
    pass


def run(args: Sequence[str], *, check: bool = True, timeout: float = 900, input: Optional[bytes] = None,
        env: Optional[Mapping[str, str]] = None) -> subprocess.CompletedProcess:
    """Run ``docker <args>``; output is captured as text (stdout+stderr merged)."""
    proc = subprocess.run(
        [DOCKER, *args], input=input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=docker_env(env), timeout=timeout,
    )
    proc.stdout = proc.stdout.decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise DockerError(f"docker {' '.join(args)} exited {proc.returncode}:\n{tail(proc.stdout)}")
    return proc


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def engine_problem() -> Optional[str]:
    """None when a Docker engine with BuildKit answers, else a one-line reason."""
    if not Path(DOCKER).is_file() or not os.access(DOCKER, os.X_OK):
        return f"no Docker client at {DOCKER} (install docker.io: .ci/docker-up.sh)"
    try:
        ver = run(["version", "--format", "{{.Server.Version}}"], check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"'{DOCKER} version' failed: {exc}"
    if ver.returncode != 0:
        first = (ver.stdout.strip().splitlines() or ["no output"])[-1]
        return f"no Docker engine answers '{DOCKER} version' ({first}); start one with .ci/docker-up.sh"
    # BuildKit: a tiny FROM scratch build with a RUN-less Dockerfile (no image pull).
    with tempfile.TemporaryDirectory(prefix="gdl-bk-") as tmp:
        Path(tmp, "Dockerfile").write_text("FROM scratch\nCOPY probe /probe\n")
        Path(tmp, "probe").write_text("buildkit probe\n")
        try:
            probe = run(["build", "--progress", "plain", "-q", tmp], check=False, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"BuildKit probe build failed: {exc}"
        if probe.returncode != 0 or "buildx" in probe.stdout:
            last = (probe.stdout.strip().splitlines() or ["no output"])[-1]
            return f"Docker engine {ver.stdout.strip()} answers but a BuildKit build fails ({last})"
        image_id = probe.stdout.strip().splitlines()[-1] if probe.stdout.strip() else ""
        if image_id.startswith("sha256:"):
            run(["image", "rm", "-f", image_id], check=False)
    return None


def server_version() -> str:
    return run(["version", "--format", "{{.Server.Version}}"]).stdout.strip()


@dataclasses.dataclass
class BuildResult:
    tag: str
    seconds: float
    output: str

    def cached_steps(self) -> int:
        return self.output.count(" CACHED")


def build(dockerfile: Path, context: Path, tag: str, *, build_args: Optional[Mapping[str, str]] = None,
          network_host: bool = True, no_cache: bool = False, timeout: float = 900) -> BuildResult:
    """``docker build`` with BuildKit; raises DockerError with the log tail on failure."""
    args = ["build", "--progress", "plain", "-f", str(dockerfile), "-t", tag]
    if network_host:
        args += ["--network", "host"]
    if no_cache:
        args.append("--no-cache")
    for key, value in (build_args or {}).items():
        args += ["--build-arg", f"{key}={value}"]
    args.append(str(context))
    start = time.monotonic()
    proc = run(args, check=False, timeout=timeout)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise DockerError(f"build of {dockerfile} failed ({proc.returncode}) after {seconds:.1f}s:\n{tail(proc.stdout)}")
    return BuildResult(tag, seconds, proc.stdout)


def inspect_image(ref: str) -> dict:
    return json.loads(run(["image", "inspect", ref]).stdout)[0]


def image_exists(ref: str) -> bool:
    return run(["image", "inspect", ref], check=False).returncode == 0


def image_size(ref: str) -> int:
    return int(inspect_image(ref)["Size"])


def image_label(ref: str, key: str) -> Optional[str]:
    proc = run(["image", "inspect", "--format", "{{json .Config.Labels}}", ref], check=False)
    if proc.returncode != 0:
        return None
    labels = json.loads(proc.stdout.strip() or "null") or {}
    return labels.get(key)


def remove_images(refs: Sequence[str]) -> None:
    if refs:
        run(["image", "rm", "-f", *refs], check=False)


def prune_cache_mounts() -> None:
    """Drop BuildKit cache mounts, keep the layer cache: what a fresh CI runner
    that imports only the layer cache (e.g. type=gha) starts with."""
    run(["builder", "prune", "-f", "--filter", "type=exec.cachemount"])


def prune_build_cache() -> None:
    """Drop the whole BuildKit cache (layers and cache mounts): a cold builder."""
    run(["builder", "prune", "-af"])


def effective_argv(config: dict) -> List[str]:
    """Entrypoint + Cmd of an image Config, as the container would exec them."""
    return list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])


def which_compose() -> Optional[str]:
    return COMPOSE if Path(COMPOSE).is_file() else shutil.which("docker-compose")

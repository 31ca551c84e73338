"""The end-to-end scenarios and where their Dockerfiles come from.

A scenario is a directory ``fixtures/e2e/<scenario>/`` with a hand-written
"before" ``Dockerfile``. Its fixed versions come from :func:`fixed_dockerfile`:

    fixed_dockerfile(scenario, "persistent")  # ci-cache: persistent
    fixed_dockerfile(scenario, "ephemeral")   # ci-cache: ephemeral

They are the output of the rewriter, ``godockerlint --fix --unsafe-fixes``
run on a temporary copy of the before file with the app as build context and
a config holding ``syntax: none`` (no frontend pull on these offline
machines) and ``ci-cache: <mode>``. The hand-written expert files
``Dockerfile.fixed`` and ``Dockerfile.fixed-ephemeral`` stay beside them as
the yardstick (:func:`expert_dockerfile`): the benchmark compares the
rewriter's rebuild times with theirs. ``GODOCKERLINT_E2E_FIXER=expert`` makes
the tests use the expert files instead, and any other value of that variable
is a shell command template run on the copy (placeholders ``{dockerfile}``,
``{context}``, ``{mode}``, ``{config}``). Every test and the benchmark take
fixed files only from these functions.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "fixtures" / "e2e"
APP_DIR = REPO / "fixtures" / "app"

MODES = ("persistent", "ephemeral")
#: variant name -> None for the before file, else the ci-cache mode of the fixed file.
VARIANTS = {"before": None, "fixed": "persistent", "fixed-ephemeral": "ephemeral"}
HANDWRITTEN = {"persistent": "Dockerfile.fixed", "ephemeral": "Dockerfile.fixed-ephemeral"}
#: the hand-written expert fixes, the yardstick of the benchmark: variant -> ci-cache mode.
EXPERT_VARIANTS = {"expert": "persistent", "expert-ephemeral": "ephemeral"}


def scenario_names() -> List[str]:
    return sorted(p.parent.name for p in FIXTURES.glob("*/Dockerfile"))


def before_dockerfile(scenario: str) -> str:
    return (FIXTURES / scenario / "Dockerfile").read_text()


def expert_dockerfile(scenario: str, mode: str) -> str:
    """The hand-written expert fix of a scenario for ci-cache `mode`."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    return (FIXTURES / scenario / HANDWRITTEN[mode]).read_text()


DEFAULT_FIXER = "{python} -m godockerlint --fix --unsafe-fixes --quiet --config {config} --context {context} {dockerfile}"


def fixed_dockerfile(scenario: str, mode: str) -> str:
    """The fixed Dockerfile text of a scenario for ci-cache `mode` (see the module doc)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    fixer = os.environ.get("GODOCKERLINT_E2E_FIXER", "").strip() or DEFAULT_FIXER
    if fixer == "expert":
        return expert_dockerfile(scenario, mode)
    with tempfile.TemporaryDirectory(prefix=f"gdl-fix-{scenario}-") as tmp:
        copy = Path(tmp) / "Dockerfile"
        copy.write_text(before_dockerfile(scenario))
        config = Path(tmp) / "godockerlint.yaml"
        config.write_text(f"syntax: none\nci-cache: {mode}\n")
        cmd = fixer.format(dockerfile=shlex.quote(str(copy)), context=shlex.quote(str(APP_DIR)), mode=mode,
                           config=shlex.quote(str(config)), python=shlex.quote(sys.executable))
        proc = subprocess.run(cmd, shell=True, capture_output=True, text=True)
        text = copy.read_text()
        if text == before_dockerfile(scenario) or proc.returncode not in (0, 1):
            raise RuntimeError(f"fixer failed on {scenario}'s Dockerfile (exit {proc.returncode}): "
                               f"{cmd}\n{proc.stdout}{proc.stderr}")
        return text


def dockerfile_text(scenario: str, variant: str) -> str:
    if variant in EXPERT_VARIANTS:
        return expert_dockerfile(scenario, EXPERT_VARIANTS[variant])
    mode = VARIANTS[variant]
    return before_dockerfile(scenario) if mode is None else fixed_dockerfile(scenario, mode)


def materialize(dest: Path, scenarios: List[str] = None, variants=None) -> Dict[str, Dict[str, Path]]:
    """Write every scenario's Dockerfiles under dest; {scenario: {variant: path}}."""
    out: Dict[str, Dict[str, Path]] = {}
    for scenario in scenarios or scenario_names():
        sdir = dest / scenario
        sdir.mkdir(parents=True, exist_ok=True)
        out[scenario] = {}
        for variant in variants or VARIANTS:
            path = sdir / ("Dockerfile" if variant == "before" else f"Dockerfile.{variant}")
            path.write_text(dockerfile_text(scenario, variant))
            out[scenario][variant] = path
    return out


def exposed_ports(dockerfile: str) -> List[int]:
    """Container ports named by EXPOSE lines (tcp), in order."""
    ports: List[int] = []
    for line in dockerfile.splitlines():
        m = re.match(r"\s*EXPOSE\s+(.+)", line, re.IGNORECASE)
        if m:
            for item in m.group(1).split():
                num = item.split("/")[0]
                if num.isdigit() and int(num) not in ports:
                    ports.append(int(num))
    return ports


def service_name(scenario: str, variant: str) -> str:
    return f"{scenario}-{variant}"


def image_name(scenario: str, variant: str) -> str:
    return f"godockerlint-e2e/{scenario}:{variant}"

"""The end-to-end scenarios and where their Dockerfiles come from.

A scenario is a directory ``fixtures/e2e/<scenario>/`` with a hand-written
"before" ``Dockerfile``. Its fixed versions come from :func:`fixed_dockerfile`:

    fixed_dockerfile(scenario, "persistent")  # ci-cache: persistent
    fixed_dockerfile(scenario, "ephemeral")   # ci-cache: ephemeral

THE SEAM: today it returns the hand-written expert files
``Dockerfile.fixed`` and ``Dockerfile.fixed-ephemeral``. To test the rewriter
instead, set ``GODOCKERLINT_E2E_FIXER`` to a shell command template; it is run
on a temporary copy of the before file, which it must rewrite in place
(placeholders: ``{dockerfile}`` the copy's path, ``{context}`` the app
directory, ``{mode}`` persistent|ephemeral), e.g.

    GODOCKERLINT_E2E_FIXER='godockerlint --fix --unsafe-fixes --ci-cache {mode} --context {context} {dockerfile}'

(or replace the body of :func:`fixed_dockerfile` once the CLI is settled).
Every test and the benchmark take fixed files only from this function.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
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


def scenario_names() -> List[str]:
    return sorted(p.parent.name for p in FIXTURES.glob("*/Dockerfile"))


def before_dockerfile(scenario: str) -> str:
    return (FIXTURES / scenario / "Dockerfile").read_text()


def fixed_dockerfile(scenario: str, mode: str) -> str:
    """The fixed Dockerfile text of a scenario for ci-cache `mode` (see the module doc)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    fixer = os.environ.get("GODOCKERLINT_E2E_FIXER", "").strip()
    if not fixer:
        return (FIXTURES / scenario / HANDWRITTEN[mode]).read_text()
    with tempfile.TemporaryDirectory(prefix=f"gdl-fix-{scenario}-") as tmp:
        copy = Path(tmp) / "Dockerfile"
        copy.write_text(before_dockerfile(scenario))
        cmd = fixer.format(dockerfile=shlex.quote(str(copy)), context=shlex.quote(str(APP_DIR)), mode=mode)
        proc = subprocess.run(cmd, shell=True, capture_output=True, text=True)
        text = copy.read_text()
        if text == before_dockerfile(scenario):
            raise RuntimeError(f"fixer left {scenario}'s Dockerfile unchanged (exit {proc.returncode}): "
                               f"{cmd}\n{proc.stdout}{proc.stderr}")
        return text


def dockerfile_text(scenario: str, variant: str) -> str:
    mode = VARIANTS[variant]
    return before_dockerfile(scenario) if mode is None else fixed_dockerfile(scenario, mode)


def materialize(dest: Path, scenarios: List[str] = None) -> Dict[str, Dict[str, Path]]:
    """Write every scenario's Dockerfiles under dest; {scenario: {variant: path}}."""
    out: Dict[str, Dict[str, Path]] = {}
    for scenario in scenarios or scenario_names():
        sdir = dest / scenario
        sdir.mkdir(parents=True, exist_ok=True)
        out[scenario] = {}
        for variant in VARIANTS:
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

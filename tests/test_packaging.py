"""The wheel carries the rules and templates under the package's namespace and works in a fresh venv."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        cwd=out,
    )
    (whl,) = out.glob("godockerlint-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_ships_rules_and_templates_inside_the_package(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    assert "godockerlint/rules/gdl101_goproxy_arg_missing.py" in names
    assert "godockerlint/rules/__init__.py" in names
    assert "godockerlint/templates/__init__.py" in names
    # no top-level `rules` or `templates` package
    assert not [n for n in names if n.startswith(("rules/", "templates/"))]


@pytest.mark.slow
def test_wheel_in_fresh_venv_lists_rules_and_lints(wheel: Path, tmp_path: Path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True)
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = subprocess.run(
        [str(bindir / "python"), "-c", "import godockerlint.rules as r; print(r.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=clean_env,
    ).stdout
    assert str(env_dir) in where  # the wheel's copy, not this checkout
    listed = subprocess.run(
        [str(bindir / "godockerlint"), "--list-rules"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=clean_env,
    ).stdout
    for code in ("GDL001", "GDL002", "GDL101", "GDL201", "GDL202", "GDL203", "GDL401"):
        assert code in listed
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM golang:1.25\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n")
    run = subprocess.run(
        [str(bindir / "godockerlint"), "--format", "json", str(dockerfile)],
        capture_output=True, text=True, cwd=tmp_path, env=clean_env,
    )
    assert run.returncode == 1
    assert '"code": "GDL101"' in run.stdout

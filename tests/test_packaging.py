"""The wheel carries the rules and templates under the package's namespace and works in a fresh venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# Never copied into the build: what a previous build or an editable install left in the checkout
# (a stale build/lib would enter the wheel under test), caches, the virtual environment.
LEFTOVERS = shutil.ignore_patterns("build", "dist", "*.egg-info", ".venv", "venv", ".git", "__pycache__", "*.pyc",
                                   ".pytest_cache", ".hypothesis", ".tox", ".mypy_cache", ".ruff_cache")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a clean copy of the checkout in a temporary folder: the checkout is
    not written to, and nothing a previous build left there can enter the wheel."""
    src = tmp_path_factory.mktemp("src") / "godockerlint"
    shutil.copytree(ROOT, src, ignore=LEFTOVERS, symlinks=True)
    out = tmp_path_factory.mktemp("dist")
    before = sorted(p.name for p in ROOT.iterdir())
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        check=True,
        cwd=out,
    )
    assert sorted(p.name for p in ROOT.iterdir()) == before  # no build/, dist/ or egg-info in the checkout
    (whl,) = out.glob("godockerlint-*.whl")
    return whl


def source_of(name: str) -> Path:
    """The checkout's file that a wheel member `godockerlint/...` comes from."""
    for package, folder in (("godockerlint/rules/", "rules/"), ("godockerlint/templates/", "templates/")):
        if name.startswith(package):
            return ROOT / folder / name[len(package):]
    return ROOT / name


@pytest.mark.slow
def test_wheel_ships_rules_and_templates_inside_the_package(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    assert "godockerlint/rules/gdl101_goproxy_arg_missing.py" in names
    assert "godockerlint/rules/__init__.py" in names
    assert "godockerlint/templates/__init__.py" in names
    # no top-level `rules` or `templates` package
    assert not [n for n in names if n.startswith(("rules/", "templates/"))]
    # every file of the package is one of the checkout's (nothing stale from an old build)
    package = [n for n in names if not n.startswith("godockerlint-") and not n.endswith("/")]
    assert [n for n in package if not source_of(n).is_file()] == []
    assert {n for n in package if n.endswith(".py")} == {
        f"godockerlint/{p.relative_to(ROOT / d).as_posix()}" if d == "godockerlint" else
        f"godockerlint/{d}/{p.relative_to(ROOT / d).as_posix()}"
        for d in ("godockerlint", "rules", "templates") for p in (ROOT / d).rglob("*.py")
        if "__pycache__" not in p.parts}


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

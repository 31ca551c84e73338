"""Every Dockerfile in fixtures/ (rules, corpus, e2e, fix): lint and `--fix --unsafe-fixes` never
crash, fixing is idempotent, and hadolint finds no new error or warning in the fixed files.

The fixtures are copied to a temporary folder first: they are never modified.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from godockerlint.lint.discovery import is_dockerfile_name

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DOCKERFILES = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*")
                     if p.is_file() and is_dockerfile_name(p.name))


def godockerlint(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "--no-color", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    """(original tree, fixed tree, stderr of the lint run, of the fix run, of the second fix run)."""
    base = tmp_path_factory.mktemp("smoke")
    (base / ".git").mkdir()  # no config from above
    original, work = base / "original", base / "work"
    shutil.copytree(FIXTURES, original, symlinks=True)
    shutil.copytree(FIXTURES, work, symlinks=True)
    lint = godockerlint(".", cwd=original)
    fix = godockerlint("--fix", "--unsafe-fixes", ".", cwd=work)
    after = {p: (work / p).read_bytes() for p in DOCKERFILES}
    again = godockerlint("--diff", "--unsafe-fixes", ".", cwd=work)
    return original, work, lint, fix, again, after


def test_there_are_fixtures():
    assert len(DOCKERFILES) > 300
    assert {p.split("/")[0] for p in DOCKERFILES} == {"corpus", "rules", "e2e", "fix", "projects"}


def test_lint_never_crashes(fixed):
    _, _, lint, _, _, _ = fixed
    assert lint.returncode == 1, lint.stderr  # the bad fixtures
    assert "error:" not in lint.stderr, lint.stderr  # no internal error, no unreadable file


def test_fix_never_crashes_and_leaves_no_temp_file(fixed):
    _, work, _, fix, _, _ = fixed
    assert fix.returncode == 1, fix.stderr  # findings without a fix remain (GDL209, GDL501...)
    assert "error:" not in fix.stderr, fix.stderr
    assert not list(work.rglob(".*.godockerlint-*.tmp"))


def test_fix_is_idempotent(fixed):
    _, work, _, _, again, after = fixed
    assert again.stdout == "", "a second --fix would change:\n" + again.stdout[:4000]
    assert again.returncode == 0
    assert {p: (work / p).read_bytes() for p in DOCKERFILES} == after  # --diff wrote nothing


def test_the_fixtures_are_not_modified(fixed):
    original, _, _, _, _, _ = fixed
    for p in DOCKERFILES:
        assert (original / p).read_bytes() == (FIXTURES / p).read_bytes()


def _hadolint(hadolint, root: Path) -> dict[str, Counter]:
    """{Dockerfile: Counter((level, code))} for the errors and warnings hadolint finds in every Dockerfile.
    Counted, not a set: a fix that inserts a second `cd dir &&` (DL3003) next to one the file had is new."""
    out: dict[str, Counter] = defaultdict(Counter)
    for i in range(0, len(DOCKERFILES), 100):
        for r in hadolint(DOCKERFILES[i:i + 100], root):
            assert r["file"] in DOCKERFILES, r  # a finding for a file it was asked about
            if r["level"] in ("error", "warning"):
                out[r["file"]][(r["level"], r["code"])] += 1
    return out


@pytest.fixture(scope="module")
def hadolint_results(fixed, hadolint):
    original, work, *_ = fixed
    before, after = _hadolint(hadolint, original), _hadolint(hadolint, work)
    assert len(before) > 50, "hadolint finds no error or warning in most fixtures: is it working?"
    return before, after


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_hadolint_finds_nothing_new_in_the_fixed_file(hadolint_results, dockerfile):
    before, after = hadolint_results
    assert after.get(dockerfile, Counter()) - before.get(dockerfile, Counter()) == Counter()

"""`godockerlint --fix` as a user sees it: golden files, idempotence, --diff, stdin, hadolint.

A case is fixtures/fix/<case>/: a build context with a Dockerfile and `expected`
(the file after `--fix`; with `--unsafe-fixes` too when the case name ends in
-unsafe), plus an optional .godockerlint.yaml. The -crlf, -bom and -bom-crlf-nonl cases are
copy-dot-first and single-stage-unsafe with CRLF line endings, a UTF-8 BOM, or both and no final
newline; their `expected` files were written by hand from the LF golden file (same endings, same
BOM, same missing final newline), never from the tool's output. Files are compared as bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli
from godockerlint.lint.engine import lint_file
from godockerlint.core.findings import SAFE
from godockerlint.lint.config import CliOverrides, ConfigResolver

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "fix"
CASES = sorted(p.parent.name for p in ROOT.glob("*/Dockerfile"))


def run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


def flags(case: str) -> list[str]:
    return ["--fix", "--unsafe-fixes"] if case.endswith("-unsafe") else ["--fix"]


@pytest.fixture
def copy_case(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # no config from above the test folder
    monkeypatch.chdir(tmp_path)

    def copy(case: str) -> Path:
        dest = tmp_path / case
        shutil.copytree(ROOT / case, dest)
        (dest / "expected").unlink()
        return dest

    return copy


@pytest.mark.parametrize("case", CASES)
def test_fix_gives_expected_file(case, copy_case):
    d = copy_case(case)
    result = run(["-q", *flags(case), str(d / "Dockerfile")])
    # 1: a problem without a fix remains in every case (at least GDL209: none of these contexts
    # has a .dockerignore, and --fix never creates a file)
    assert result.exit_code == 1, result.output
    assert "GDL209 warning" in result.output
    assert (d / "Dockerfile").read_bytes() == (ROOT / case / "expected").read_bytes()


@pytest.mark.parametrize("case", CASES)
def test_fix_twice_equals_once(case, copy_case):
    d = copy_case(case)
    run(["-q", *flags(case), str(d / "Dockerfile")])
    once = (d / "Dockerfile").read_bytes()
    result = run([*flags(case), str(d / "Dockerfile")])
    assert result.exit_code == 1, result.output
    assert (d / "Dockerfile").read_bytes() == once
    assert "Fixed 0 problems" in result.output


@pytest.mark.parametrize("case", CASES)
def test_fixed_file_has_no_safe_fix_left(case, copy_case):
    d = copy_case(case)
    run(["-q", *flags(case), str(d / "Dockerfile")])
    settings = ConfigResolver(CliOverrides()).settings_for(d)
    left = [f for f in lint_file(d / "Dockerfile", settings) if f.fix is not None and f.fix.applicability == SAFE]
    assert left == [], [f"{f.code} {f.message}" for f in left]


HEADLINE = ["--select", "GDL101,GDL201,GDL202,GDL203,GDL401"]


def test_summary_counts_fixed_remaining_and_unsafe(copy_case):
    d = copy_case("single-stage-unsafe")
    result = run(["--fix", *HEADLINE, str(d / "Dockerfile")])
    assert result.exit_code == 1  # the single-stage error remains
    assert result.output.splitlines()[-1] == "Fixed 5 problems; 1 remains (1 needs --unsafe-fixes)."
    assert "GDL401 error" in result.output


def test_unsafe_fixes_needs_fix_or_diff(copy_case):
    d = copy_case("copy-dot-first")
    result = run(["--unsafe-fixes", str(d / "Dockerfile")])
    assert result.exit_code == 2
    assert "--unsafe-fixes needs --fix or --diff" in result.output


def test_exit_zero_when_nothing_remains(copy_case):
    d = copy_case("single-stage-unsafe")
    result = run(["--fix", "--unsafe-fixes", *HEADLINE, str(d / "Dockerfile")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Fixed 1 problem; none remain."


def test_diff_prints_and_writes_nothing(copy_case):
    d = copy_case("copy-dot-first")
    before = (d / "Dockerfile").read_bytes()
    result = run(["--diff", str(d / "Dockerfile")])
    assert result.exit_code == 1
    assert (d / "Dockerfile").read_bytes() == before
    out = result.stdout
    # the absolute path inside the current folder is named relative to it, as `patch -p1` there needs
    assert out.startswith("--- a/copy-dot-first/Dockerfile\n+++ b/copy-dot-first/Dockerfile\n@@ ")
    assert "+COPY go.mod go.sum ./\n" in out and "-RUN go build -o /out/app .\n" in out
    assert "Would fix" in result.stderr
    assert not list(d.glob(".*.godockerlint-*.tmp"))


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
@pytest.mark.parametrize("case", ["copy-dot-first-bom-crlf-nonl", "single-stage-crlf-unsafe", "single-stage-bom-unsafe"])
@pytest.mark.parametrize("where", ["relative", "absolute", "outside"])
def test_diff_applies_with_patch_p1(copy_case, tmp_path, monkeypatch, case, where):
    """`godockerlint --diff FILE | patch -p1` (run where godockerlint ran) gives the --fix file,
    whether FILE was named relative to the current folder, absolutely, or is outside it (then
    the header holds its absolute path without the leading slash: `patch -p1` from /)."""
    d = copy_case(case)
    arg = {"relative": f"{case}/Dockerfile", "absolute": str(d / "Dockerfile"), "outside": str(d / "Dockerfile")}[where]
    if where == "outside":
        (tmp_path / "elsewhere").mkdir()
        monkeypatch.chdir(tmp_path / "elsewhere")
    result = run(["--diff", *flags(case)[1:], arg])
    assert result.exit_code == 1, result.output
    name = str(d / "Dockerfile").lstrip("/") if where == "outside" else f"{case}/Dockerfile"
    assert result.stdout.startswith(f"--- a/{name}\n+++ b/{name}\n")
    proc = subprocess.run(["patch", "-p1", "--binary", "--batch", "--silent"], input=result.stdout_bytes,
                          cwd="/" if where == "outside" else tmp_path, capture_output=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (d / "Dockerfile").read_bytes() == (ROOT / case / "expected").read_bytes()


def test_diff_exit_zero_without_changes(copy_case):
    d = copy_case("copy-dot-first")
    run(["-q", "--fix", str(d / "Dockerfile")])
    result = run(["--diff", str(d / "Dockerfile")])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_stdin_fix_writes_the_file_to_stdout(copy_case):
    d = copy_case("copy-dot-first")
    text = (d / "Dockerfile").read_text()
    result = run(["--fix", "--context", str(d), "-"], input=text)
    assert result.exit_code == 1, result.output  # GDL209, GDL401, GDL403 remain
    assert result.stdout == (ROOT / "copy-dot-first" / "expected").read_text()
    assert "Fixed" in result.stderr


def test_file_that_does_not_parse_is_left_alone(copy_case, tmp_path):
    p = tmp_path / "Dockerfile"
    p.write_text("FROM golang:1.25\nRUN <<EOF\ngo build ./...\n")
    result = run(["--fix", str(p)])
    assert result.exit_code == 1 and "GDL001" in result.output
    assert p.read_text() == "FROM golang:1.25\nRUN <<EOF\ngo build ./...\n"


def test_lint_does_not_import_jinja2():
    code = ("import sys; from pathlib import Path; from godockerlint.lint.engine import lint_file; "
            "from godockerlint.core.settings import Settings; "
            f"r = lint_file(Path({str(ROOT / 'single-stage-unsafe' / 'Dockerfile')!r}), Settings()); "
            "assert any(f.fix for f in r); print('jinja2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- hadolint: the fixed file has no error or warning the input did not have ----------------

def _errors_and_warnings(found) -> set[str]:
    return {r["code"] for r in found if r["level"] in ("error", "warning")}


@pytest.mark.parametrize("case", CASES)
def test_hadolint_finds_nothing_new(case, hadolint):
    before = _errors_and_warnings(hadolint([ROOT / case / "Dockerfile"], ROOT / case))
    after = _errors_and_warnings(hadolint([ROOT / case / "expected"], ROOT / case))
    assert after - before == set()

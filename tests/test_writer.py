"""Writing fixed files: final newline, mode, symlinks, read-only files, atomicity."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli
from godockerlint.fix.writer import WriteError, write_atomic

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "fix"
SELECT = ["--select", "GDL101,GDL201,GDL202,GDL203,GDL401"]


def run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


@pytest.fixture
def case(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "ctx"
    shutil.copytree(ROOT / "copy-dot-first", d)
    return d


@pytest.fixture
def expected(case, tmp_path):
    """The fixed text of the LF file, with the same rules."""
    lf = tmp_path / "lf"
    shutil.copytree(case, lf)
    run(["-q", "--fix", *SELECT, str(lf / "Dockerfile")])
    text = (lf / "Dockerfile").read_text()
    assert text != (case / "Dockerfile").read_text()
    return lambda: text


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".godockerlint-" in p.name]


# CRLF, BOM, and BOM + CRLF + no final newline: golden files in fixtures/fix/*-crlf*, *-bom* (tests/test_fix.py)


def test_no_final_newline_stays_without(case, expected):
    df = case / "Dockerfile"
    df.write_text(df.read_text().rstrip("\n"))
    run(["-q", "--fix", *SELECT, str(df)])
    assert df.read_text() == expected().rstrip("\n")


def test_mode_is_kept(case, expected):
    df = case / "Dockerfile"
    os.chmod(df, 0o640)
    run(["-q", "--fix", *SELECT, str(df)])
    assert stat.S_IMODE(os.stat(df).st_mode) == 0o640
    assert df.read_text() == expected()


def test_symlink_target_is_updated(case, expected):
    real = case / "real.Dockerfile"
    (case / "Dockerfile").rename(real)
    link = case / "Dockerfile"
    link.symlink_to("real.Dockerfile")
    run(["-q", "--fix", *SELECT, str(link)])
    assert link.is_symlink()
    assert real.read_text() == expected()


def test_read_only_file_is_left_untouched(case):
    df = case / "Dockerfile"
    before = df.read_bytes()
    os.chmod(df, 0o444)
    result = run(["--fix", *SELECT, str(df)])
    assert result.exit_code == 2
    assert f"godockerlint: error: {df}: read-only file, not fixed\n" in result.stderr
    assert df.read_bytes() == before
    assert leftovers(case) == []


def test_failed_write_leaves_no_temp_file(case, monkeypatch):
    df = case / "Dockerfile"
    before = df.read_bytes()

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(WriteError, match="No space left on device"):
        write_atomic(df, b"new")
    assert df.read_bytes() == before
    assert leftovers(case) == []


def test_write_atomic_replaces_content(tmp_path):
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"old")
    write_atomic(p, b"new\r\n")
    assert p.read_bytes() == b"new\r\n"
    assert leftovers(tmp_path) == []

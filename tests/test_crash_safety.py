"""`--fix` never leaves a half-written Dockerfile: killed, interrupted or run many times at once.

The writer writes a temporary file in the Dockerfile's folder, fsyncs it and renames it
over the original. These tests stop a real `godockerlint --fix` process at the worst
moment, after the temporary file is complete and before the rename, by running it with
`os.replace` wrapped so that it announces itself (a marker file) and waits:

- SIGKILL there: the original is intact, byte for byte. Nothing can clean up after
  SIGKILL, so a stale `.Dockerfile.godockerlint-XXXX.tmp` may remain: it holds the
  complete new text, and discovery never takes it for a Dockerfile.
- SIGINT (Ctrl-C) there: the original is intact, no temporary file remains, exit 130.

A hard-linked file is written in place (a rename would split it from its other names),
after a complete, fsync'ed copy `.Dockerfile.godockerlint-XXXX.bak`; the tests stop that
write at its worst moment, the new text written over the old and not yet truncated:
SIGKILL leaves the complete original in the copy; Ctrl-C or a write error puts it back.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "fix"
CASE = "copy-dot-first"

PAUSED = """\
import os, sys, time
marker = os.environ["GDL_TEST_MARKER"]
real_replace = os.replace
def paused_replace(src, dst):
    with open(marker, "w") as f:
        f.write(src)
    time.sleep(120)
    real_replace(src, dst)
os.replace = paused_replace
from godockerlint.cli.command import main
sys.argv = ["godockerlint", *sys.argv[1:]]
main()
"""


@pytest.fixture
def case(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    d = tmp_path / CASE
    shutil.copytree(FIX / CASE, d)
    expected = (d / "expected").read_bytes()
    (d / "expected").unlink()
    return d, expected


def start_paused(folder: Path, marker: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", PAUSED, "--fix", "-q", "Dockerfile"], cwd=folder,
                            env={**os.environ, "GDL_TEST_MARKER": str(marker)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # up to 60 s for the fix to reach the rename
        if marker.exists() and marker.read_text():
            return proc
        if proc.poll() is not None:
            pytest.fail(f"the fix ended before renaming: {proc.communicate()}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail("the fix never reached the rename")


def temp_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(".") and ".godockerlint-" in p.name)


def test_sigkill_before_rename_leaves_the_original_intact(case, tmp_path):
    folder, expected = case
    before = (folder / "Dockerfile").read_bytes()
    proc = start_paused(folder, tmp_path / "marker")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert (folder / "Dockerfile").read_bytes() == before
    [stale] = temp_files(folder)  # what SIGKILL leaves: recognisable, and complete
    assert stale.name.startswith(".Dockerfile.godockerlint-") and stale.name.endswith(".tmp")
    assert stale.read_bytes() == expected
    assert sorted(p.name for p in folder.iterdir() if p != stale) == ["Dockerfile", "go.mod", "go.sum"]

    # a later run does not take the stale file for a Dockerfile, and fixes the real one
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "--fix", "-q", "."], cwd=folder,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr
    assert stale.name not in proc.stdout + proc.stderr
    assert (folder / "Dockerfile").read_bytes() == expected


def test_sigint_before_rename_cleans_up(case, tmp_path):
    folder, _ = case
    before = (folder / "Dockerfile").read_bytes()
    proc = start_paused(folder, tmp_path / "marker")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "godockerlint: error: interrupted"
    assert (folder / "Dockerfile").read_bytes() == before
    assert temp_files(folder) == []


def test_keyboard_interrupt_while_writing_cleans_up(case, monkeypatch):
    folder, _ = case
    before = (folder / "Dockerfile").read_bytes()

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    result = CliRunner().invoke(cli, ["--fix", "-q", str(folder / "Dockerfile")])
    assert result.exit_code == 130
    assert result.stderr.endswith("godockerlint: error: interrupted\n")
    assert (folder / "Dockerfile").read_bytes() == before
    assert temp_files(folder) == []


def test_concurrent_fixes_of_different_files_are_independent(tmp_path):
    (tmp_path / ".git").mkdir()
    cases = sorted(p.parent.name for p in FIX.glob("*/expected")) * 2
    procs = []
    for i, name in enumerate(cases):
        d = tmp_path / f"{i}-{name}"
        shutil.copytree(FIX / name, d)
        (d / "expected").unlink()  # the golden is not part of the build context (a split carries context files)
        flags = ["--fix", "--unsafe-fixes"] if name.endswith("-unsafe") else ["--fix"]
        procs.append((d, subprocess.Popen([sys.executable, "-m", "godockerlint", "-q", *flags, "Dockerfile"],
                                          cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for d, proc in procs:
        _, err = proc.communicate(timeout=300)
        assert "Traceback" not in err and "error:" not in err, err
        assert (d / "Dockerfile").read_bytes() == (FIX / d.name.split("-", 1)[1] / "expected").read_bytes(), d.name
        assert temp_files(d) == []


# -- the in-place path (a hard-linked file: a rename would split it from its other name) --

PAUSED_IN_PLACE = """\
import os, sys, time
marker = os.environ["GDL_TEST_MARKER"]
real_ftruncate = os.ftruncate
def paused_ftruncate(fd, length):
    # the new text is written over the original, not yet cut to its length: the worst moment
    os.ftruncate = real_ftruncate  # once: putting the original back truncates too
    with open(marker, "w") as f:
        f.write(str(length))
    time.sleep(120)
    real_ftruncate(fd, length)
os.ftruncate = paused_ftruncate
from godockerlint.cli.command import main
sys.argv = ["godockerlint", *sys.argv[1:]]
main()
"""


def start_paused_in_place(folder: Path, marker: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", PAUSED_IN_PLACE, "--fix", "-q", "Dockerfile"], cwd=folder,
                            env={**os.environ, "GDL_TEST_MARKER": str(marker)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        if marker.exists() and marker.read_text():
            return proc
        if proc.poll() is not None:
            pytest.fail(f"the fix ended before writing in place: {proc.communicate()}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail("the fix never reached the in-place write")


@pytest.fixture
def linked(case):
    folder, expected = case
    before = (folder / "Dockerfile").read_bytes()
    # a longer original: the new text written over it leaves a tail of old bytes until the truncation
    (folder / "Dockerfile").write_bytes(before + b"# " + b"x" * 4000 + b"\n")
    os.link(folder / "Dockerfile", folder.parent / "other-name")
    return folder, (folder / "Dockerfile").read_bytes()


def test_sigkill_while_writing_in_place_leaves_a_complete_copy(linked, tmp_path):
    folder, before = linked
    proc = start_paused_in_place(folder, tmp_path / "marker")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    [backup] = temp_files(folder)  # the complete original, next to the half-written file
    assert backup.name.startswith(".Dockerfile.godockerlint-") and backup.name.endswith(".bak")
    assert backup.read_bytes() == before
    assert (folder / "Dockerfile").read_bytes() != before  # it was being overwritten
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "-q", "."], cwd=folder,
                          capture_output=True, text=True, timeout=120)
    assert backup.name not in proc.stdout + proc.stderr  # never taken for a Dockerfile


def test_sigint_while_writing_in_place_puts_the_original_back(linked, tmp_path):
    folder, before = linked
    proc = start_paused_in_place(folder, tmp_path / "marker")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "godockerlint: error: interrupted"
    assert (folder / "Dockerfile").read_bytes() == before
    assert (folder.parent / "other-name").read_bytes() == before  # still one file
    assert os.stat(folder / "Dockerfile").st_nlink == 2
    assert temp_files(folder) == []


def test_failed_in_place_write_puts_the_original_back(linked, monkeypatch):
    folder, before = linked

    real_ftruncate = os.ftruncate

    def full(fd, length):  # the new text fails; putting the original back works
        monkeypatch.setattr(os, "ftruncate", real_ftruncate)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "ftruncate", full)
    result = CliRunner().invoke(cli, ["--fix", "-q", str(folder / "Dockerfile")])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("cannot write the fixed file: No space left on device")
    assert (folder / "Dockerfile").read_bytes() == before
    assert temp_files(folder) == []

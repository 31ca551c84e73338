"""Report and baseline files are written atomically: a full disk never truncates the previous one.

A write that fails half-way (here the file-size limit, RLIMIT_FSIZE, which makes write()
fail with EFBIG as a full disk fails with ENOSPC) used to leave `--output json=r.json`
truncated to invalid JSON. Now the previous report stays whole, the run exits 2 with one
line, and no temporary file is left.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")

DOCKERFILE = "FROM golang:1.25\nCOPY . .\n" + "".join(f"RUN go build -o /out/app{i} ./cmd/app{i}\n"
                                                      for i in range(40))
OLD = {"json": "[]\n", "baseline": '{"godockerlint-baseline": 1, "findings": []}\n'}


def _limited(limit: int):
    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def _run(args, cwd, limit=None):
    return subprocess.run([sys.executable, "-m", "godockerlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, preexec_fn=_limited(limit) if limit else None)


@pytest.mark.parametrize("kind,args", [
    ("json", ["--output", "json=r.json"]),
    ("json", ["--format", "json", "--output", "r.json"]),
    ("json", ["--format", "text", "--output", "sarif=s.sarif", "--output", "json=r.json"]),
    ("baseline", ["--write-baseline", "r.json"]),
])
def test_a_failing_write_keeps_the_previous_report_whole(tmp_path: Path, kind, args):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    report = tmp_path / "r.json"
    report.write_text(OLD[kind])
    proc = _run([*args, "Dockerfile"], tmp_path, limit=4096)  # the new report is much larger
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert errors and all(line.startswith("godockerlint: error: ") for line in errors)
    assert "r.json" in " ".join(errors)
    assert report.read_text() == OLD[kind]
    json.loads(report.read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "r.json"]  # no temporary file left
    # and without the limit, the same command writes the complete new report
    proc = _run([*args, "Dockerfile"], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(report.read_text())
    assert (doc if kind == "json" else doc["findings"])


def test_an_existing_report_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    old = tmp_path / "old.json"
    old.write_text("[]\n")
    old.chmod(0o640)
    proc = _run(["--output", "json=old.json", "--output", "sarif=new.sarif", "Dockerfile"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.sarif").stat().st_mode) == 0o666 & ~umask
    assert json.loads(old.read_text())


def test_a_report_through_a_link_and_to_a_device(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "r.json").write_text("[]\n")
    (tmp_path / "link.json").symlink_to("reports/r.json")
    proc = _run(["--output", "json=link.json", "--output", "sarif=/dev/null", "Dockerfile"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "reports" / "r.json").read_text())
    assert os.path.exists("/dev/null") and not Path("/dev/null").is_file()  # still the device

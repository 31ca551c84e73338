"""Cost guards that are not timed: what a lint run imports, the plugin scan, the process pool.

Timings live in benchmarks/bench_lint.py; these tests check the causes of slowness
that can be seen deterministically: a module imported that the run does not use,
and that the parallel path gives exactly the serial output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELLO = ROOT / "examples" / "hello" / "Dockerfile"

# Run the console script's code path (godockerlint.cli:main) and print what got imported.
PROBE = (
    "import sys, runpy; sys.argv = ['godockerlint'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('godockerlint', run_name='__main__')\n"
    "finally:\n    print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
)
# Never needed to lint a file without a config file and report it as text.
UNUSED_ON_LINT_PATH = (
    "jinja2",  # only when a fix renders a template
    "ruamel.yaml",  # only when a config or compose file is read
    "difflib",  # --diff, did-you-mean hints
    "importlib.metadata",  # only when an installed distribution declares godockerlint.rules plugins
    "multiprocessing",  # only for many files
    "concurrent.futures",
    "godockerlint.parallel",
    "godockerlint.report.json",
    "godockerlint.report.sarif",
    "godockerlint.baseline",
    "godockerlint.init",
    "godockerlint.writer",
    "godockerlint.lsp",  # the language server: only `godockerlint lsp`
    "pygls",
    "lsprotocol",
)


def _probe(args, cwd: Path, env_extra: dict | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    env = {**os.environ, **(env_extra or {})}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd, env=env)
    modules = set(proc.stderr.strip().splitlines()[-1].split())
    return proc, modules


def test_linting_one_file_imports_nothing_it_does_not_use(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(HELLO.read_bytes())
    proc, modules = _probe(["Dockerfile"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "GDL401" in proc.stdout  # it did lint, and found the fixable single-stage problem
    assert "godockerlint.engine" in modules and "godockerlint.report.text" in modules
    assert sorted(m for m in UNUSED_ON_LINT_PATH if m in modules) == []


def test_a_config_file_brings_ruamel_but_nothing_else(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(HELLO.read_bytes())
    (tmp_path / ".godockerlint.yaml").write_text("ignore: [GDL404]\n")
    proc, modules = _probe(["Dockerfile"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "ruamel.yaml" in modules
    assert sorted(m for m in UNUSED_ON_LINT_PATH if m in modules and m != "ruamel.yaml") == []


def test_fix_imports_no_plugin_scan_and_no_pool(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(HELLO.read_bytes())
    proc, modules = _probe(["--fix", "Dockerfile"], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert (tmp_path / "Dockerfile").read_bytes() != HELLO.read_bytes()  # it fixed something
    assert sorted(m for m in ("importlib.metadata", "multiprocessing", "ruamel.yaml") if m in modules) == []


# -- plugins: the cheap pre-scan must still find a real entry point ----------------------------

PLUGIN = '''"""A plugin rule for the tests.

Anti-pattern:

```dockerfile
FROM golang:1.25
```

Best practice:

```dockerfile
FROM golang:1.25
```
"""
CODE = "XPL901"
NAME = "plugin-rule"
SEVERITY = "info"
FIX = "none"
SUMMARY = "A plugin rule."


def check(ctx):
    for ins in ctx.dockerfile.instructions[:1]:
        yield ctx.report(ins, "hello from a plugin")
'''


def test_an_installed_plugin_is_found(tmp_path):
    site = tmp_path / "site"
    (site / "gdl_test_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "gdl_test_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gdl-test-plugin\nVersion: 1.0\n")
    (site / "gdl_test_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[godockerlint.rules]\nxpl901 = gdl_test_plugin_rule\n")
    (site / "gdl_test_plugin_rule.py").write_text(PLUGIN)
    (tmp_path / "Dockerfile").write_bytes(HELLO.read_bytes())
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc, modules = _probe(["--select", "XPL901", "Dockerfile"], tmp_path, {"PYTHONPATH": path})
    assert "importlib.metadata" in modules
    assert "XPL901" in proc.stdout and "hello from a plugin" in proc.stdout, proc.stderr


# -- many files: a process pool, with exactly the serial output --------------------------------

VARIANTS = [
    HELLO.read_text(),
    "FROM golang:1.24 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
    "FROM alpine:3.20\nCOPY --from=build /app /app\nUSER app\nENTRYPOINT [\"/app\"]\n",
    "FROM golang:1.23\nRUN <<EOF\ngo build ./...\n",  # does not parse: GDL001
    "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n",
]


@pytest.fixture
def tree(tmp_path):
    from godockerlint.parallel import POOL_THRESHOLD

    for i in range(POOL_THRESHOLD + 6):
        d = tmp_path / f"svc{i:03d}"
        d.mkdir()
        (d / "Dockerfile").write_text(VARIANTS[i % len(VARIANTS)].replace("/app", f"/app{i}"))
    (tmp_path / "svc007" / "Dockerfile").chmod(0)  # unreadable (as root: readable, still fine)
    (tmp_path / "svc009" / ".godockerlint.yaml").write_text("select: [NOPE1]\n")  # a bad config
    yield tmp_path
    (tmp_path / "svc007" / "Dockerfile").chmod(0o644)


# The CLI with the process pool of other platforms (multiprocessing.Pool, used where fork is
# unsafe) in place of Linux's forked children, to test it here too.
WITH_POOL = ("import sys, runpy; import godockerlint.parallel as p; p._forked = p._pooled; "
             "sys.argv = ['godockerlint'] + sys.argv[1:]; runpy.run_module('godockerlint', run_name='__main__')")


@pytest.mark.parametrize("kind", ["forked", "pooled"])
@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_many_files_in_a_pool_give_the_serial_output(tree, fmt, kind):
    cmd = [sys.executable, "-m", "godockerlint", "--format", fmt, "."]
    serial = subprocess.run(cmd, capture_output=True, text=True, cwd=tree, env={**os.environ, "GODOCKERLINT_JOBS": "1"})
    if kind == "pooled":
        cmd = [sys.executable, "-c", WITH_POOL, "--format", fmt, "."]
    pooled = subprocess.run(cmd, capture_output=True, text=True, cwd=tree, env={**os.environ, "GODOCKERLINT_JOBS": "2"})
    assert serial.stdout.count("svc0") > 60
    assert (pooled.returncode, pooled.stdout, pooled.stderr) == (serial.returncode, serial.stdout, serial.stderr)


def test_the_pool_is_used_past_the_threshold(tree):
    code = ("import sys, runpy; sys.argv = ['godockerlint', '.']\n"
            "import godockerlint.parallel as p\n"
            "real = p.prelint\n"
            "def spy(targets, resolver):\n"
            "    out = real(targets, resolver); print('POOLED', len(out), file=sys.stderr); return out\n"
            "p.prelint = spy\n"
            "runpy.run_module('godockerlint', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tree,
                          env={**os.environ, "GODOCKERLINT_JOBS": "2"})
    pooled = [line for line in proc.stderr.splitlines() if line.startswith("POOLED")]
    assert pooled and int(pooled[0].split()[1]) >= 60, proc.stderr


@pytest.mark.parametrize(("average", "now", "busy"), [
    (3.2, "3.20 2.10 1.00 1/240 999", 0),  # a build ended seconds ago: the average still counts it
    (3.2, "3.20 2.10 1.00 3/240 999", 2),  # two other tasks are running now
    (0.4, "0.40 0.30 0.20 4/240 999", 0.4),  # a burst now, but little work on average
])
def test_busy_cores_trusts_neither_a_stale_average_nor_a_burst(monkeypatch, average, now, busy):
    from godockerlint import parallel

    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (average, 0.0, 0.0))
    assert parallel.busy_cores(now) == busy

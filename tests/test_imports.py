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

# Run the console script's code path (godockerlint.cli.command:main) and print what got imported.
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
    "godockerlint.lint.parallel",
    "godockerlint.report.formats.json",
    "godockerlint.report.formats.sarif",
    "godockerlint.report.baseline",
    "godockerlint.cli.init",
    "godockerlint.fix.writer",
    "godockerlint.cli.lsp",  # the language server: only `godockerlint lsp`
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
    assert "godockerlint.lint.engine" in modules and "godockerlint.report.formats.text" in modules
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
    assert proc.returncode == 1, proc.stderr  # GDL401 remains: its fix is unsafe
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
    from godockerlint.lint.parallel import POOL_THRESHOLD

    for i in range(POOL_THRESHOLD + 6):
        d = tmp_path / f"svc{i:03d}"
        d.mkdir()
        (d / "Dockerfile").write_text(VARIANTS[i % len(VARIANTS)].replace("/app", f"/app{i}"))
    (tmp_path / "svc007" / "Dockerfile").chmod(0)  # unreadable (as root: readable, still fine)
    (tmp_path / "svc009" / ".godockerlint.yaml").write_text("select: [NOPE1]\n")  # a bad config
    yield tmp_path
    (tmp_path / "svc007" / "Dockerfile").chmod(0o644)


# The CLI with the process pool of other platforms (multiprocessing.Pool, used where fork is
# unsafe) in place of Linux's forked children, to test it here too: with this platform's default
# start method, and with spawn (macOS's: workers start fresh and load the rules themselves).
WITH_POOL = ("import sys, runpy; import godockerlint.lint.parallel as p; p._forked = p._pooled; {start}"
             "sys.argv = ['godockerlint'] + sys.argv[1:]; runpy.run_module('godockerlint', run_name='__main__')")
START = {"pooled": "", "pooled-spawn": "import multiprocessing; multiprocessing.set_start_method('spawn'); "}
KINDS = ["forked", "pooled", "pooled-spawn"]


def pool_command(kind: str, *args: str) -> list[str]:
    if kind == "forked":
        return [sys.executable, "-m", "godockerlint", *args]
    return [sys.executable, "-c", WITH_POOL.format(start=START[kind]), *args]


@pytest.mark.parametrize("kind", ["forked", "pooled"])
@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_many_files_in_a_pool_give_the_serial_output(tree, fmt, kind):
    serial = subprocess.run([sys.executable, "-m", "godockerlint", "--format", fmt, "."], capture_output=True,
                            text=True, cwd=tree, env={**os.environ, "GODOCKERLINT_JOBS": "1"})
    pooled = subprocess.run(pool_command(kind, "--format", fmt, "."), capture_output=True, text=True, cwd=tree,
                            env={**os.environ, "GODOCKERLINT_JOBS": "2"})
    assert serial.stdout.count("svc0") > 60
    assert (pooled.returncode, pooled.stdout, pooled.stderr) == (serial.returncode, serial.stdout, serial.stderr)


# Loaded by every Python process of a run (the CLI and its workers, forked or spawned) through
# PYTHONPATH: it logs which process linted which file (`pid remote index`, remote=1 in a worker;
# index -1: a worker took a chunk), makes this process wait until a worker has taken a chunk before
# it lints its own (so a pool whose workers do nothing cannot pass by linting everything here, and
# a worker slow to start still gets work), and breaks the workers on demand.
SPY = """\
import os, time
if os.environ.get("SPY_LOG"):
    import godockerlint.lint.parallel as p
    real, mode, waited = p._lint_chunk, os.environ.get("SPY_BREAK", ""), []
    if mode == "no-memfd":
        def memfd_create(*a):
            raise OSError(38, "Function not implemented")
        os.memfd_create = memfd_create

    def _lint_chunk(chunk, remote=True):
        log = os.environ["SPY_LOG"]
        if remote:
            with open(log, "a") as f:
                f.write(f"{os.getpid()} 1 -1\\n")  # a worker takes a chunk
            if mode == "raise":
                raise RuntimeError("broken on purpose")
            if mode == "kill":
                os.kill(os.getpid(), 9)
        elif not waited:
            waited.append(True)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with open(log) as f:
                    if any(line.split()[1] == "1" for line in f):
                        break
                time.sleep(0.01)
        out = real(chunk, remote)
        with open(log, "a") as f:
            f.write("".join(f"{os.getpid()} {int(remote)} {i}\\n" for i, _ in out))
        return out
    p._lint_chunk = _lint_chunk
"""


def spied(tree: Path, tmp_path: Path, kind: str, mode: str = ""):
    """(serial run, pooled run, [(pid, remote, index)] the spy logged) for `godockerlint .` in `tree`."""
    spy = tmp_path / "spy"
    spy.mkdir()
    (spy / "sitecustomize.py").write_text(SPY)
    log = tmp_path / "spy.log"
    log.write_text("")
    serial = subprocess.run([sys.executable, "-m", "godockerlint", "."], capture_output=True, text=True, cwd=tree,
                            env={**os.environ, "GODOCKERLINT_JOBS": "1"})
    env = {**os.environ, "GODOCKERLINT_JOBS": "2", "SPY_LOG": str(log), "SPY_BREAK": mode,
           "PYTHONPATH": os.pathsep.join([str(spy), *filter(None, [os.environ.get("PYTHONPATH")])])}
    pooled = subprocess.run(pool_command(kind, "."), capture_output=True, text=True, cwd=tree, env=env, timeout=300)
    logged = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    return serial, pooled, logged


@pytest.mark.parametrize("kind", KINDS)
def test_the_pool_really_runs(tree, tmp_path, kind):
    """Past the threshold, worker processes lint files (not only this one), each file once,
    and the output is the serial one."""
    serial, pooled, logged = spied(tree, tmp_path, kind)
    assert (pooled.returncode, pooled.stdout, pooled.stderr) == (serial.returncode, serial.stdout, serial.stderr)
    indices = [i for _, _, i in logged if i >= 0]
    assert len(indices) == len(set(indices)) >= 60, logged  # every file once (svc009's bad config: serial)
    workers = {pid for pid, remote, _ in logged if remote}
    assert [i for pid, _, i in logged if pid in workers and i >= 0], "no worker process linted any file"
    assert workers.isdisjoint(pid for pid, remote, _ in logged if not remote)


WORKER_FAILED = "godockerlint: warning: a process pool worker failed ({}): its files were linted again in this process\n"


@pytest.mark.parametrize(("kind", "mode", "reason"), [
    ("forked", "raise", "RuntimeError: broken on purpose"),
    ("forked", "kill", "killed by signal 9"),
    ("pooled", "raise", "RuntimeError: broken on purpose"),
    ("pooled-spawn", "raise", "RuntimeError: broken on purpose"),
])
def test_a_failing_worker_is_reported_and_its_files_linted_here(tree, tmp_path, kind, mode, reason):
    serial, pooled, logged = spied(tree, tmp_path, kind, mode)
    assert (pooled.returncode, pooled.stdout) == (serial.returncode, serial.stdout)
    assert pooled.stderr == WORKER_FAILED.format(reason) + serial.stderr
    assert [i for _, remote, i in logged if remote] == [-1]  # the worker took one chunk, then failed
    assert len([i for _, remote, i in logged if not remote]) >= 60  # this process linted everything


def test_a_pool_that_cannot_start_is_reported(tree, tmp_path):
    serial, pooled, logged = spied(tree, tmp_path, "forked", "no-memfd")
    assert (pooled.returncode, pooled.stdout) == (serial.returncode, serial.stdout)
    assert pooled.stderr == ("godockerlint: warning: the process pool could not run (OSError: [Errno 38] Function "
                             "not implemented): the files were linted in this process; GODOCKERLINT_JOBS=1 skips "
                             "the pool\n" + serial.stderr)
    assert logged == []  # the serial path lints without the pool's chunks


@pytest.mark.parametrize(("average", "now", "busy"), [
    (3.2, "3.20 2.10 1.00 1/240 999", 0),  # a build ended seconds ago: the average still counts it
    (3.2, "3.20 2.10 1.00 3/240 999", 2),  # two other tasks are running now
    (0.4, "0.40 0.30 0.20 4/240 999", 0.4),  # a burst now, but little work on average
])
def test_busy_cores_trusts_neither_a_stale_average_nor_a_burst(monkeypatch, average, now, busy):
    from godockerlint.lint import parallel

    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (average, 0.0, 0.0))
    assert parallel.busy_cores(now) == busy

"""Nothing is executed and nothing goes on the network: godockerlint reads Dockerfiles, it never
runs their commands, and it never connects anywhere.

The whole fixtures tree is linted and then fixed (`--fix --unsafe-fixes`, on a copy) by a
child process whose PATH is empty and which carries a Python audit hook that refuses,
and records, every attempt to start a program (subprocess, os.system, exec, spawn) or to
use the network (connect, name lookups, urllib). Forked worker processes inherit the hook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

GUARD = """\
import os, sys
log_path = os.environ.pop("GDL_TEST_AUDIT_LOG")
FORBIDDEN = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
             "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
             "socket.sendto", "socket.bind", "urllib.Request", "http.client.connect", "ftplib.connect",
             "pty.spawn", "ctypes.dlopen")

def hook(event, args):
    # ctypes.dlopen(None) only looks up this process's own symbols (multiprocessing's shared
    # counter does it when the process pool starts): it loads and runs nothing new.
    if event == "ctypes.dlopen" and args and args[0] is None:
        return
    if event in FORBIDDEN:
        with open(log_path, "a") as log:
            log.write(f"{event} {args!r:.200}\\n")
        raise PermissionError(f"godockerlint test: {event} is forbidden")

sys.addaudithook(hook)
from godockerlint.cli.command import main
sys.argv = ["godockerlint", *sys.argv[1:]]
main()
"""


def guarded(args, cwd: Path, log: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PATH", "GODOCKERLINT_TRACEBACK")}
    env.update(PATH="", GDL_TEST_AUDIT_LOG=str(log), NO_COLOR="1")
    return subprocess.run([sys.executable, "-c", GUARD, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def test_the_guard_catches_a_command(tmp_path):
    """The audit hook works: a Dockerfile is not needed to prove it, `python -c` running a program is."""
    log = tmp_path / "audit.log"
    env = {**os.environ, "PATH": "", "GDL_TEST_AUDIT_LOG": str(log)}
    code = GUARD.replace("from godockerlint.cli.command import main", "import subprocess\ntry:\n    subprocess.run(['true'])\n"
                                                             "except PermissionError:\n    pass\nmain = lambda: None")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert log.read_text().startswith("subprocess.Popen ")


def test_lint_and_fix_every_fixture_without_running_anything(tmp_path):
    (tmp_path / ".git").mkdir()
    tree = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, tree, symlinks=True)
    log = tmp_path / "audit.log"
    for args in (["."], ["--format", "sarif", "."], ["--fix", "--unsafe-fixes", "."]):
        proc = guarded(args, tree, log)
        assert proc.returncode == 1, proc.stderr[-2000:]  # the bad fixtures; after --fix, what has no fix
        assert "Traceback" not in proc.stderr and "error:" not in proc.stderr, proc.stderr[-2000:]
        assert not log.exists(), f"{args}: forbidden calls:\n{log.read_text()}"
    assert any((tree / p).read_bytes() != (FIXTURES / p).read_bytes()
               for p in ("e2e/single-stage/Dockerfile", "fix/copy-dot-first/Dockerfile"))  # it did fix

"""The warm server behind the console script: a run it serves is the run a fresh process makes.

Each test runs the console script's code (godockerlint.launcher) in a subprocess, once served
(GODOCKERLINT_SERVER=1, a private socket folder) and once in-process (=0), and compares what
a user sees: stdout, stderr, exit code, the files written. `-X importtime` proves which way
a run went: a served run never imports the CLI in the client.
"""

from __future__ import annotations

import os
import pty
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from godockerlint import launcher, server
from test_cli import GOOD as GOOD_TEXT

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the server needs fork and Unix sockets")

ROOT = Path(__file__).resolve().parents[1]
HELLO = (ROOT / "examples" / "hello" / "Dockerfile").read_bytes()
CLIENT = "import sys; sys.argv[0] = 'godockerlint'; from godockerlint.launcher import main; main()"
GOOD = GOOD_TEXT.encode()


@pytest.fixture(scope="module")
def runtime():
    """A private socket folder (short: a socket path holds 108 bytes); every server started
    in it is stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="gdl"))
    yield folder
    for lock in folder.glob("godockerlint-*/*.lock"):
        _stop(lock)
    shutil.rmtree(folder, ignore_errors=True)


def _stop(lock: Path) -> None:
    try:
        pid = int(lock.read_text())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return
    _until(lambda: not _alive(pid), 10)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _until(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _env(runtime: Path, served: bool, **extra: str) -> dict[str, str]:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "GODOCKERLINT_SERVER": "1" if served else "0",
           "GODOCKERLINT_SERVER_IDLE": "120", **extra}
    env.pop("CI", None)
    return env


def _run(args, cwd: Path, env: dict, data: bytes | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", "-c", CLIENT, *args], cwd=cwd, env=env,
                          input=data, capture_output=True, timeout=120, **kw)


def _served(proc: subprocess.CompletedProcess) -> bool:
    imported = [line for line in proc.stderr.decode().splitlines() if line.startswith("import time:")]
    assert imported, "the client printed no -X importtime lines"
    return not any(line.rstrip().endswith("godockerlint.cli") for line in imported)


def _seen(proc: subprocess.CompletedProcess) -> tuple[int, bytes, bytes]:
    err = b"".join(line for line in proc.stderr.splitlines(keepends=True) if not line.startswith(b"import time:"))
    return proc.returncode, proc.stdout, err


def _socket(runtime: Path) -> list[Path]:
    return list(runtime.glob("godockerlint-*/*.sock"))


@pytest.fixture(scope="module")
def warm(runtime):
    """A running server for this interpreter and sys.path; the first run starts it."""
    env = _env(runtime, True)
    first = _run(["--version"], ROOT, env)
    assert first.returncode == 0 and not _served(first)  # nothing to serve it yet: ran in-process
    assert _until(lambda: _socket(runtime), 60), "no server socket appeared"
    assert _until(lambda: _served(_run(["--version"], ROOT, env)), 30), "the server never took a run"
    return env


@pytest.fixture
def project(tmp_path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_bytes(HELLO)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Dockerfile").write_bytes(GOOD)
    return tmp_path


CASES = {
    "findings": (["svc/Dockerfile"], None),
    "clean": (["good/Dockerfile"], None),
    "two files, json": (["--format", "json", "svc/Dockerfile", "good/Dockerfile"], None),
    "stdin": (["--stdin-filename", "svc/Dockerfile", "-"], HELLO),
    "select and statistics": (["--select", "GDL2", "--statistics", "svc/Dockerfile"], None),
    "bad option": (["--format", "yaml", "svc/Dockerfile"], None),
    "missing file": (["nope/Dockerfile"], None),
    "help": (["--help"], None),
    "explain": (["--explain", "GDL201"], None),
}


@pytest.mark.parametrize("case", CASES)
def test_a_served_run_prints_and_exits_as_a_fresh_process(warm, runtime, project, case):
    args, data = CASES[case]
    served = _run(args, project, warm, data)
    alone = _run(args, project, _env(runtime, False), data)
    assert _served(served) and not _served(alone)
    assert _seen(served) == _seen(alone)
    assert served.returncode in (0, 1, 2) and (served.stdout or served.stderr)


def test_a_served_client_imports_nothing_but_a_socket(warm, project):
    """The client's own cost: after godockerlint.launcher it loads only C modules."""
    proc = _run(["svc/Dockerfile"], project, warm)
    assert _served(proc)
    names = [line.split("|")[-1].strip() for line in proc.stderr.decode().splitlines()
             if line.startswith("import time:")]
    assert "godockerlint.launcher" in names
    assert set(names[names.index("godockerlint.launcher") + 1:]) <= {"_socket", "_blake2"}


def test_the_server_reads_the_config_of_the_runs_folder_and_its_environment(warm, runtime, project):
    (project / ".godockerlint.yaml").write_text("ignore: [GDL401, GDL403]\n")
    env_extra = {"GODOCKERLINT_JOBS": "1"}
    served = _run(["svc/Dockerfile"], project, {**warm, **env_extra})
    alone = _run(["svc/Dockerfile"], project, _env(runtime, False, **env_extra))
    assert _served(served)
    assert _seen(served) == _seen(alone)
    assert b"GDL201" in served.stdout and b"GDL401" not in served.stdout


def test_a_served_fix_writes_the_same_file_with_the_same_mode(warm, runtime, project):
    results = []
    for env in (warm, _env(runtime, False)):
        target = project / "svc" / "Dockerfile"
        target.write_bytes(HELLO.replace(b"\n", b"\r\n"))
        target.chmod(0o640)
        proc = _run(["--fix", "--unsafe-fixes", "svc/Dockerfile"], project, env)
        results.append((_seen(proc), target.read_bytes(), target.stat().st_mode))
    assert results[0] == results[1]
    (code, out, _), fixed, mode = results[0]
    assert code == 1 and out.endswith(b"Fixed 2 problems; 1 remains.\n"), out  # GDL209: no .dockerignore
    assert fixed != HELLO and b"\r\n" in fixed and b"distroless" in fixed and mode & 0o777 == 0o640


def test_a_served_run_creates_files_with_the_clients_umask(warm, runtime, project):
    modes = []
    for name, env in (("served.json", warm), ("alone.json", _env(runtime, False))):
        proc = _run(["--write-baseline", name, "svc/Dockerfile"], project, env,
                    preexec_fn=lambda: os.umask(0o077))
        assert proc.returncode == 0, proc.stderr
        modes.append((project / name).stat().st_mode & 0o777)
    assert modes == [0o600, 0o600]


def test_a_served_run_writes_to_the_clients_terminal(warm, runtime, project):
    """The descriptors themselves are passed: a terminal stays a terminal (colours on)."""
    outputs = []
    for env in (warm, _env(runtime, False)):
        main, replica = pty.openpty()
        proc = subprocess.run([sys.executable, "-c", CLIENT, "svc/Dockerfile"], cwd=project, env=env,
                              stdin=subprocess.DEVNULL, stdout=replica, stderr=subprocess.PIPE, timeout=120)
        os.close(replica)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(main)
        outputs.append((proc.returncode, b"".join(chunks)))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1 and b"\x1b[" in outputs[0][1]


def test_ctrl_c_reaches_the_served_run(warm, runtime):
    """A run waiting on stdin is interrupted as a fresh process would be: one line, exit 130."""
    seen = []
    for env in (warm, _env(runtime, False)):
        proc = subprocess.Popen([sys.executable, "-c", CLIENT, "-"], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)  # both are reading stdin by now
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)  # stdin stays open: the run must end by the signal, not by EOF
        out, err = proc.stdout.read(), proc.stderr.read()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
        seen.append((proc.returncode, out, err.lstrip(b"\n")))  # click starts a new line when it can
    assert seen[0] == seen[1] == (130, b"", b"godockerlint: error: interrupted\n")


def test_a_killed_client_takes_its_served_run_with_it(warm, runtime):
    lock = next(runtime.glob("godockerlint-*/*.lock"))
    parent = int(lock.read_text())
    before = _children(parent)
    client = subprocess.Popen([sys.executable, "-c", CLIENT, "-"], env=warm, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # a spare has taken the run and waits on the client's stdin
    client.kill()
    client.wait()
    client.stdin.close()
    # the spare that served it exits, and the server forks a new one in its place
    assert _until(lambda: _children(parent) - before, 10), (before, _children(parent))
    assert len(_children(parent)) == server.SPARES


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return {c for c in found if _alive(c)}


def test_an_outdated_server_hands_the_run_back_and_exits(warm, runtime, project):
    """A file the server has loaded changes (a rule edited, a dependency upgraded): that run is
    linted in-process, the server goes away, and the next run starts a fresh one."""
    lock = next(runtime.glob("godockerlint-*/*.lock"))
    pid = int(lock.read_text())
    source = Path(server.__file__).with_name("findings.py")
    st = source.stat()
    try:
        os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        proc = _run(["svc/Dockerfile"], project, warm)
        assert not _served(proc)
        assert _seen(proc) == _seen(_run(["svc/Dockerfile"], project, _env(runtime, False)))
        assert _until(lambda: not _alive(pid), 10)
        assert not lock.exists() and not _socket(runtime)
    finally:
        os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))
    # the run above started a new server: it serves again
    assert _until(lambda: _served(_run(["--version"], ROOT, warm)), 60)


def test_an_idle_server_exits_and_removes_its_files(project):
    folder = Path(tempfile.mkdtemp(prefix="gdl"))
    try:
        env = _env(folder, True, GODOCKERLINT_SERVER_IDLE="1")
        _run(["--version"], project, env)
        assert _until(lambda: _socket(folder), 60)
        lock = next(folder.glob("godockerlint-*/*.lock"))
        pid = int(lock.read_text())
        assert _until(lambda: not _alive(pid), 30)
        assert list(folder.glob("godockerlint-*/*")) == []
    finally:
        for lock in folder.glob("godockerlint-*/*.lock"):
            _stop(lock)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_server_that_cannot_start_is_not_retried_on_every_run(project, tmp_path):
    """A plugin that fails to import: the server notes its failure and exits; runs go on
    in-process, with the same report, and do not start a server each time."""
    plugins = tmp_path / "plugins"
    (plugins / "broken_rules-1.0.dist-info").mkdir(parents=True)
    (plugins / "broken_rules-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-rules\nVersion: 1.0\n")
    (plugins / "broken_rules-1.0.dist-info" / "entry_points.txt").write_text(
        "[godockerlint.rules]\nbroken = broken_rules\n")
    (plugins / "broken_rules.py").write_text("raise ImportError('this plugin is broken')\n")
    folder = Path(tempfile.mkdtemp(prefix="gdl"))
    try:
        env = _env(folder, True, PYTHONPATH=str(plugins))
        first = _run(["svc/Dockerfile"], project, env)
        assert _until(lambda: list(folder.glob("godockerlint-*/*.failed")), 60)
        marker = next(folder.glob("godockerlint-*/*.failed"))
        assert "this plugin is broken" in marker.read_text()
        again = _run(["svc/Dockerfile"], project, env)
        alone = _run(["svc/Dockerfile"], project, _env(folder, False, PYTHONPATH=str(plugins)))
        assert not _served(first) and not _served(again)
        assert _seen(first) == _seen(again) == _seen(alone)
        assert alone.returncode == 2 and b"broken" in alone.stderr
        time.sleep(1)
        assert not _socket(folder) and not list(folder.glob("godockerlint-*/*.lock"))
    finally:
        for lock in folder.glob("godockerlint-*/*.lock"):
            _stop(lock)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(("env", "wanted"), [
    ({}, True),
    ({"GODOCKERLINT_SERVER": "0"}, False),
    ({"GODOCKERLINT_SERVER": "off"}, False),
    ({"CI": "true"}, False),
    ({"CI": "true", "GODOCKERLINT_SERVER": "1"}, True),
    ({"CI": "false"}, True),
])
def test_when_a_server_is_used(env, wanted):
    assert launcher.server_wanted(env) is wanted


def test_a_socket_folder_others_can_enter_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = Path(launcher.socket_dir())
    assert folder == tmp_path / f"godockerlint-{os.getuid()}" and folder.stat().st_mode & 0o777 == 0o700
    folder.chmod(0o755)
    assert launcher.socket_dir() is None
    folder.chmod(0o700)
    assert launcher.socket_dir() == str(folder)


def test_outdated_sees_a_changed_file(tmp_path):
    loaded = tmp_path / "rule.py"
    loaded.write_text("x = 1\n")
    st = loaded.stat()
    snapshot = ((str(loaded), st.st_mtime_ns, st.st_size),)
    assert not server.outdated(snapshot)
    loaded.write_text("x = 22\n")
    assert server.outdated(snapshot)
    loaded.unlink()
    assert server.outdated(snapshot)

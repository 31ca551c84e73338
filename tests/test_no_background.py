"""A run leaves nothing behind: no background process, no socket, no copy of its environment.

The console script used to start a warm server in the background on the first run; that
server kept the run's whole environment (secrets included) in its /proc/<pid>/environ and
answered later runs in its own context. Each run is now one process that ends with the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELLO = ROOT / "examples" / "hello" / "Dockerfile"


def _console_script() -> Path:
    script = Path(sys.executable).parent / "godockerlint"
    if not script.is_file():
        pytest.skip("the godockerlint console script is not installed next to this interpreter")
    return script


def _processes_with(marker: str) -> list[int]:
    """Pids of this user's processes whose environment holds `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if marker.encode() in fh.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_console_script_leaves_no_process_and_no_socket(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(HELLO.read_bytes())
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    marker = f"GDL_TEST_SECRET=s3cr3t-{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "GODOCKERLINT_SERVER", "TF_BUILD", "JENKINS_URL", "BUILDKITE", "TEAMCITY_VERSION")}
    env.update({"XDG_RUNTIME_DIR": str(runtime), "TMPDIR": str(runtime), marker.split("=")[0]: marker.split("=")[1]})
    for _ in range(2):  # the old launcher started its server on the first run and used it on the second
        proc = subprocess.run([str(_console_script()), "Dockerfile"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, proc.stderr
        assert "GDL401" in proc.stdout
    time.sleep(0.5)  # a background start would have had time to come up
    assert _processes_with(marker.split("=")[1]) == []
    assert list(runtime.iterdir()) == []


def test_the_package_has_no_server_and_the_entry_point_is_the_cli():
    from importlib.metadata import entry_points

    assert not (ROOT / "godockerlint" / "server.py").exists()
    assert not (ROOT / "godockerlint" / "launcher.py").exists()
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts") if ep.name == "godockerlint"}
    assert scripts == {"godockerlint": "godockerlint.cli.command:main"}

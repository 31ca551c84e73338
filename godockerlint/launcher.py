"""The console script: hand the run to a warm server when one is up, else run here.

A fresh Python process spends most of a one-file run importing (click, the parser,
the rules, jinja2 for --fix, ruamel.yaml for a config file), not linting. So on a
POSIX machine, outside CI, `godockerlint` keeps a server process (godockerlint.server)
that has imported all of it once: each run connects to its Unix socket, passes its
own stdin, stdout and stderr (the file descriptors themselves, so a terminal is still
a terminal), its arguments, working folder, environment and umask, and the server
forks a child that runs exactly the command line a fresh process would run, then
sends back the exit code. Ctrl-C is forwarded to that child.

This module is what every run imports first, so it imports almost nothing: no
`socket` package (its enum and selectors cost more than the whole client), no json,
no hashlib.

When anything is missing or odd, the run simply happens in this process, as before:
no server yet (one is started in the background for the next run), a server that
does not answer, a descriptor 0-2 that is closed, a socket folder that is not ours.
A server is shared by the runs of one interpreter with the same sys.path, flags and
locale variables; it checks before each run that no file it has loaded (godockerlint,
its plugins and dependencies, the templates) and no folder of sys.path has changed
since it started: edit a rule, install a plugin or upgrade a dependency, and that run
happens in-process while the outdated server exits, and the next run starts a new one.
A server exits after GODOCKERLINT_SERVER_IDLE seconds without a request (default 600).

GODOCKERLINT_SERVER=0 turns it off (1 turns it on even under CI). It is off by default on
CI (CI set, or Azure Pipelines, Jenkins, Buildkite, TeamCity), where a run is a one-off and
a background process is unwelcome, and on systems other than Linux.
"""

from __future__ import annotations

import marshal
import os
import sys

PROTOCOL = 1
RETRY_FAILED_AFTER = 600  # seconds
ENV_SWITCH = "GODOCKERLINT_SERVER"
# What decides the server's encodings and decoding, besides the code itself.
_CI_ENV = ("TF_BUILD", "JENKINS_URL", "BUILDKITE", "TEAMCITY_VERSION")  # CI systems that do not set CI
_KEY_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONWARNINGS")


def main() -> None:
    if sys.argv[1:2] != ["lsp"] and server_wanted(os.environ):  # the language server runs here
        code = _run_on_server()
        if code is not None:
            sys.exit(code)
    from godockerlint.cli import main as cli_main

    cli_main()


def server_wanted(env) -> bool:
    switch = env.get(ENV_SWITCH, "").strip().lower()
    if switch in ("0", "false", "no", "off"):
        return False
    if switch not in ("1", "true", "yes", "on") and (
            env.get("CI", "").strip().lower() not in ("", "0", "false") or any(env.get(v) for v in _CI_ENV)):
        return False
    # Linux only: SO_PEERCRED, and fork() without the system libraries that make it unsafe on macOS
    return sys.platform.startswith("linux")


def socket_dir() -> str | None:
    """A folder only this user can enter, for the socket and its lock; None if there is none."""
    uid = os.getuid()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = runtime if runtime and os.path.isabs(runtime) else os.environ.get("TMPDIR") or "/tmp"
    path = os.path.join(base, f"godockerlint-{uid}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not (st.st_mode & 0o170000 == 0o040000 and st.st_uid == uid and st.st_mode & 0o077 == 0):
        return None
    return path


def server_key() -> str:
    """A digest of what the server's interpreter must share with this one: the server itself
    checks, run by run, that none of the files it has loaded has changed since (see
    godockerlint.server)."""
    parts = (PROTOCOL, sys.executable, sys.version, sys.path, str(sys.flags), sys.warnoptions,
             [os.environ.get(name) for name in _KEY_ENV])
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - CPython always has it
        from hashlib import blake2b
    return blake2b(marshal.dumps(parts), digest_size=10).hexdigest()


def _run_on_server() -> int | None:
    """The exit code of the run done by the server, or None to run in this process."""
    try:
        import _socket
    except ImportError:
        return None
    try:
        sock, child = _hand_over(_socket)
    except Exception:  # nothing ran yet: the run happens here, as without a server
        return None
    if sock is None:
        return None
    try:
        return _wait(sock, child)
    finally:
        sock.close()


def _hand_over(_socket):
    """Connect, send the run and wait until a server child has taken it: (socket, child pid),
    or (None, 0) when no server took it."""
    none = (None, 0)
    for fd in (0, 1, 2):
        os.fstat(fd)  # raises when closed
    streams = []
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if stream is None or not hasattr(stream, "encoding"):
            return none
        streams.append((stream.encoding, stream.errors, bool(getattr(stream, "line_buffering", False))))
    folder = socket_dir()
    if folder is None:
        return none
    key = server_key()
    path = os.path.join(folder, f"{key}.sock")
    if len(path.encode()) > 100:  # sun_path holds 108 bytes
        return none
    request = marshal.dumps((PROTOCOL, sys.argv[1:], os.getcwd(), dict(os.environ), _umask(), streams))
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        try:
            sock.connect(path)
        except OSError:
            if not _failed_lately(os.path.join(folder, f"{key}.failed")):
                _start_server(folder, key)
            sock.close()
            return none
        data = len(request).to_bytes(4, "big") + request
        fds = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in (0, 1, 2))
        sent = sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        if sent < len(data):
            sock.sendall(data[sent:])
        started = _receive(sock, 5)
    except BaseException:
        sock.close()
        raise
    if len(started) != 5 or started[:1] != b"P":
        sock.close()
        return none  # the server went away, or its code is outdated: nothing ran yet
    return sock, int.from_bytes(started[1:], "big")


def _failed_lately(marker: str) -> bool:
    """Whether a server for this key failed to start in the last ten minutes (a plugin that
    does not import, say): then runs happen in-process without starting one each time."""
    import time

    try:
        return time.time() - os.stat(marker).st_mtime < RETRY_FAILED_AFTER
    except OSError:
        return False


def _umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _wait(sock, child: int) -> int:
    """Forward Ctrl-C and termination to the child until it reports its exit code."""
    import _signal  # not `signal`: its enums cost more than this whole client

    def forward(signum, frame):
        try:
            os.kill(child, signum)
        except OSError:
            pass

    for signum in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP):
        _signal.signal(signum, forward)
    try:
        done = _receive(sock, 5)
    except OSError:
        done = b""
    if len(done) != 5 or done[:1] != b"X":
        sys.stderr.write("godockerlint: error: the server's worker ended without an exit code "
                         f"(run again with {ENV_SWITCH}=0 to lint in this process)\n")
        return 2
    return int.from_bytes(done[1:], "big", signed=True)


def _receive(sock, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _start_server(folder: str, key: str) -> None:
    """Start a server in the background, detached from this run's terminal and files."""
    import subprocess

    code = ("import sys, marshal; sys.path[:] = marshal.loads(bytes.fromhex(sys.argv[1])); "
            "from godockerlint.server import main; main(sys.argv[2], sys.argv[3])")
    try:
        subprocess.Popen([sys.executable, "-c", code, marshal.dumps(sys.path).hex(), folder, key],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         cwd="/", start_new_session=True, close_fds=True)
    except OSError:
        pass

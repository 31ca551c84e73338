"""The warm server behind the console script (see godockerlint.launcher).

It imports everything a run may need once (the CLI, every rule, every report format,
jinja2 and the templates, ruamel.yaml), lints and fixes a sample Dockerfile so that
regular expressions and templates are compiled, freezes the heap, then listens on a
Unix socket in a folder only its user can enter. Each connection is a run: a forked
child takes the client's stdin, stdout and stderr descriptors, arguments, working
folder, environment and umask, runs the command line exactly as a fresh process
would, sends back its exit code and exits. The child never outlives its client: when
the connection drops (the client was killed), the child exits too.

One server per key (a lock file decides when two clients start one at once); it
exits after GODOCKERLINT_SERVER_IDLE seconds (default 600) without a request.
"""

from __future__ import annotations

import fcntl
import gc
import io
import marshal
import os
import signal
import socket
import sys
import threading

from godockerlint.launcher import PROTOCOL

IDLE_SECONDS = 600
SPARES = 2  # warm children waiting at once: pre-commit runs a couple of hook processes in parallel
EXIT_IDLE, EXIT_STALE, EXIT_FAILED = 75, 76, 77
SAMPLE = b"""\
# syntax=docker/dockerfile:1
FROM golang:1.25
WORKDIR /src
ENV GOPROXY=https://proxy.golang.org,direct
COPY . .
RUN go mod download && CGO_ENABLED=0 go build -o /out/app ./cmd/app
USER app
EXPOSE 8080
CMD ["/out/app"]
"""


def main(folder: str, key: str) -> None:
    lock_path = os.path.join(folder, f"{key}.lock")
    sock_path = os.path.join(folder, f"{key}.sock")
    lock = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server for this key is starting or running
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())  # who holds it: for `kill`, and the tests
    try:
        idle = float(os.environ.get("GODOCKERLINT_SERVER_IDLE", IDLE_SECONDS))
    except ValueError:
        idle = IDLE_SECONDS
    try:
        preload()
    except Exception as exc:  # e.g. a plugin that fails to import: runs go on in-process
        _failed(folder, key, exc)
        os.unlink(lock_path)
        os.close(lock)
        return
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temp = os.path.join(folder, f"{key}.{os.getpid()}.tmp")
    listener.bind(temp)
    os.chmod(temp, 0o600)
    os.replace(temp, sock_path)  # a stale socket of a dead server is replaced at once
    inode = os.stat(sock_path).st_ino
    listener.listen(64)
    sample = os.path.join(folder, f"{key}.{os.getpid()}.Dockerfile")
    with open(sample, "wb") as f:
        f.write(SAMPLE)
    children: set[int] = set()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        serve(listener, sample, idle, children)
    except ServerBroken as exc:
        _failed(folder, key, exc)
    finally:
        try:  # no new connections on this path from now on
            if os.stat(sock_path).st_ino == inode:
                os.unlink(sock_path)
        except OSError:
            pass
        listener.close()
        for pid in children:  # a waiting spare exits; one that is serving a run finishes it
            try:
                os.kill(pid, signal.SIGUSR1)
            except OSError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        for path in (sample, lock_path):
            try:
                os.unlink(path)
            except OSError:
                pass
        os.close(lock)


def _failed(folder: str, key: str, exc: Exception) -> None:
    """Mark this key's server as failed: clients stop starting one (until the code changes:
    another key) and lint in-process."""
    with open(os.path.join(folder, f"{key}.failed"), "w") as f:
        f.write(f"{type(exc).__name__}: {exc}\n")


def _terminate(signum, frame):
    raise SystemExit(0)  # through main's clean-up: the socket and its files go


def preload() -> None:
    """Import and warm up everything a run may use, so that forked children start warm."""
    from godockerlint import cli, reporting  # noqa: F401 - the command line itself
    from godockerlint.engine import lint_bytes
    from godockerlint.fixer import fix_bytes
    from godockerlint.rule import load_rules
    from godockerlint.settings import Settings

    load_rules()
    for fmt in reporting.FORMATS:
        __import__(f"godockerlint.report.{fmt}")
    for name in ("ruamel.yaml", "jinja2", "difflib", "godockerlint.config", "godockerlint.writer",
                 "godockerlint.baseline", "godockerlint.parallel", "godockerlint.compose"):
        try:
            __import__(name)
        except ImportError:
            pass
    settings = Settings()
    lint_bytes(SAMPLE, "Dockerfile", settings, context_dir=None)
    try:
        fix_bytes(SAMPLE, "Dockerfile", settings, context_dir=None, unsafe=True)
    except Exception:  # warming up must never keep the server from serving
        pass
    global _LOADED
    _LOADED = _snapshot()
    gc.collect()
    gc.freeze()  # children share these pages instead of copying them on the first collection


_LOADED: tuple = ()


class ServerBroken(Exception):
    pass


def _snapshot() -> tuple:
    """(path, mtime, size) of every file loaded from outside the standard library, of the
    templates, and of the folders on sys.path (an install or removal changes them)."""
    import sysconfig

    stdlib = tuple({os.path.join(sysconfig.get_paths()[k], "") for k in ("stdlib", "platstdlib")})
    paths = {getattr(m, "__file__", None) for m in list(sys.modules.values())}
    paths = {p for p in paths if isinstance(p, str) and not p.startswith(stdlib)}
    from godockerlint import report, rules, templates

    for package in (report, rules, templates):  # a rule or format added, a template edited
        for folder in package.__path__:
            paths.add(folder)
            paths.update(os.path.join(folder, name) for name in os.listdir(folder) if not name.startswith("."))
    paths.update(p for p in sys.path[1:] if p and os.path.isdir(p))
    return tuple(sorted((p, *_stat(p)) for p in paths))


def _stat(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


def outdated(snapshot: tuple) -> bool:
    return any(_stat(path) != (mtime, size) for path, mtime, size in snapshot)


def serve(listener: socket.socket, sample: str, idle: float, children: set[int], spares: int = SPARES) -> None:
    """Keep `spares` warm children waiting on the socket (their pids in `children`); return
    when one has waited `idle` seconds without a run, or when spares keep failing."""
    failures = 0
    while True:
        while len(children) < spares:
            pid = os.fork()
            if pid == 0:
                _spare(listener, sample, idle)  # never returns
            children.add(pid)
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            children.clear()
            continue
        children.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if code in (EXIT_IDLE, EXIT_STALE):
            return
        failures = failures + 1 if code == EXIT_FAILED else 0
        if failures >= 5:  # spares cannot even warm up here: stop, runs happen in-process
            raise ServerBroken("the server's workers failed to warm up five times in a row")


def _spare(listener: socket.socket, sample: str, idle: float) -> None:
    """A child that warms up (copying the pages a run touches, ahead of time), then takes
    one run and exits."""
    signal.signal(signal.SIGUSR1, lambda signum, frame: os._exit(0))  # the server is closing
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _warm_up(sample)
    except BaseException:
        os._exit(EXIT_FAILED)
    code = 0
    try:
        listener.settimeout(idle)
        uid = os.getuid()
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                code = EXIT_IDLE
                break
            except InterruptedError:
                continue
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            if int.from_bytes(creds[4:8], sys.byteorder) == uid:
                signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # this run is finished whatever happens
                listener.close()
                if outdated(_LOADED):
                    code = EXIT_STALE  # the client lints in-process; the next run starts a new server
                else:
                    _child(conn)
                break
            conn.close()
    except BaseException:  # a run that went wrong (its client gone, say) ends with this child
        pass
    os._exit(code)


def _warm_up(sample: str) -> None:
    """Run the command line once on the sample, output discarded, as a run would."""
    from godockerlint.cli import PROG, cli

    null = os.open(os.devnull, os.O_RDWR)
    saved = os.dup(1), os.dup(2)
    os.dup2(null, 1)
    os.dup2(null, 2)
    try:
        cli.main(args=["--no-color", sample], prog_name=PROG, standalone_mode=False)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # now, into /dev/null: never later into a client's terminal
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (null, *saved):
            os.close(fd)


def _child(conn: socket.socket) -> None:
    """Take one run: the client's descriptors, arguments, folder, environment and umask."""
    conn.settimeout(None)
    request, fds = _read_request(conn)
    if request is None or len(fds) != 3 or request[0] != PROTOCOL:
        return  # the client gets no pid and lints in its own process
    _, argv, cwd, env, umask, streams = request
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    os.umask(umask)
    sys.argv = ["godockerlint", *argv]
    sys.stdin, sys.stdout, sys.stderr = (
        _stream(0, "r", *streams[0]), _stream(1, "w", *streams[1]), _stream(2, "w", *streams[2])
    )
    conn.sendall(b"P" + os.getpid().to_bytes(4, "big"))
    threading.Thread(target=_exit_when_client_leaves, args=(conn,), daemon=True).start()

    from godockerlint.cli import PROG, cli

    code = cli.main(args=argv, prog_name=PROG, standalone_mode=False)
    code = code if isinstance(code, int) else 0
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    conn.sendall(b"X" + code.to_bytes(4, "big", signed=True))


def _read_request(conn: socket.socket):
    fds: list[int] = []
    data = b""
    while len(data) < 4:
        chunk, fds_now, _, _ = socket.recv_fds(conn, 65536, 3)
        fds += fds_now
        if not chunk:
            return None, fds
        data += chunk
    size = int.from_bytes(data[:4], "big")
    body = data[4:]
    while len(body) < size:
        chunk = conn.recv(min(size - len(body), 1 << 20))
        if not chunk:
            return None, fds
        body += chunk
    try:
        return marshal.loads(body), fds
    except (EOFError, ValueError, TypeError):
        return None, fds


def _stream(fd: int, mode: str, encoding: str, errors: str, line_buffering: bool) -> io.TextIOWrapper:
    """A text stream on descriptor fd as the client's interpreter had set it up."""
    raw = io.FileIO(fd, mode, closefd=False)
    buffered = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, line_buffering=line_buffering,
                            write_through=fd == 2)


def _exit_when_client_leaves(conn: socket.socket) -> None:
    try:
        while conn.recv(64):
            pass
    except OSError:
        pass
    os._exit(130)

"""Lint many files on every core: a process pool, used past a size threshold.

`prelint()` lints plain Dockerfiles (no stdin, no compose file, no --fix) in
N processes (N - 1 workers and this one) and hands back, per target, the
`LintResult` a serial run would have produced. Anything a worker could not
lint cleanly (an unreadable file, a bad config, an internal error) is left
out: the caller lints it again in its own process, so every message and exit
code stays exactly the serial one. The caller reports in the targets' order,
so the output is deterministic. A pool that cannot start, or a worker that
fails (an exception, a signal), is reported with a one-line warning on stderr;
its files are linted again in this process, so the findings stay complete.

On Linux the workers are forked from this process after it has loaded the
rules; elsewhere they start fresh and load them once, in their initializer.
A fix's edits are rendered where they are needed: a lazy fix (a template) made
in a worker comes back as a `RemoteFix` that re-lints its file in the parent
only if something reads its edits (a SARIF report), never otherwise.

`GODOCKERLINT_JOBS=N` sets the number of processes (1: no pool); by default,
one per core, less the cores the load average says other work keeps busy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

POOL_THRESHOLD = 64  # files: below this, starting workers costs more than it saves
CHUNK_FILES = 8  # files a process takes at a time: small enough to balance a busy machine
MAX_CHUNKS = 8192  # the chunk queue (4 bytes a chunk) must fit in a pipe's 64 KiB buffer


def jobs() -> int:
    """GODOCKERLINT_JOBS, else this process plus one per idle core: the cores it may run on,
    less the ones other work keeps busy. On a machine busy with other builds a second
    process only shares the same CPU time and adds the pool's own cost."""
    value = os.environ.get("GODOCKERLINT_JOBS", "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    busy = busy_cores()
    if busy is None:
        return cores
    return max(1, min(cores, 1 + int(cores - busy + 0.5)))  # idle cores, rounded


def busy_cores(loadavg: str | None = None) -> float | None:
    """How many cores other work keeps busy: the 1-minute load average (as `make --max-load`
    uses), but no more than the tasks running right now besides this one (Linux's
    /proc/loadavg), since the average still counts, for a minute, a build that has ended."""
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
    try:
        if loadavg is None:
            with open("/proc/loadavg") as f:
                loadavg = f.read()
        running = int(loadavg.split()[3].split("/")[0]) - 1  # less this process
    except (OSError, IndexError, ValueError):
        return busy
    return min(busy, max(0, running))


def prelint(targets, resolver, warn=None) -> dict[int, object]:
    """{index in `targets`: LintResult} for the targets the pool linted; {} when the run
    is too small for a pool or there is one core. `warn(line)` reports a pool that could not
    run or a worker that failed (default: the line on stderr)."""
    global _emit
    _emit = warn or (lambda line: print(line, file=sys.stderr))
    n = jobs()
    if n < 2 or len(targets) < POOL_THRESHOLD:
        return {}
    from godockerlint.lint.config import ConfigError

    work = []
    for i, target in enumerate(targets):
        if target.path is None or target.compose:
            continue
        try:
            settings = resolver.settings_for(target.path.parent)
        except ConfigError:
            continue  # reported by the serial path
        work.append((i, target.path, target.display, settings))
    if len(work) < POOL_THRESHOLD:
        return {}
    from godockerlint.lint.rule import load_rules

    load_rules()  # once, before forking: the workers inherit it
    _warned.clear()
    size = max(1, min(CHUNK_FILES, -(-len(work) // (n * 4))))
    size = max(size, -(-len(work) // MAX_CHUNKS))
    chunks = [work[k:k + size] for k in range(0, len(work), size)]
    # This process is one of the n (one process fewer to start and to hold in memory): it
    # and n - 1 workers take the next chunk from a shared queue until none is left, so a
    # process that gets less CPU (a busy machine) simply takes fewer chunks.
    try:
        if sys.platform.startswith("linux"):
            return _forked(chunks, n)
        return _pooled(chunks, n)
    except Exception as exc:  # noqa: BLE001 - no pool here (no /dev/shm, no fork...): the rest goes serial
        _warn(f"the process pool could not run ({_reason(exc)}): the files were linted in this process; "
              "GODOCKERLINT_JOBS=1 skips the pool")
        return {}


_warned: set[str] = set()  # this run's warnings
_emit = None  # prelint's `warn`


def _warn(message: str) -> None:
    """A failed pool or worker, once per message and run: the run goes on, its findings complete."""
    if message not in _warned:
        _warned.add(message)
        _emit(f"godockerlint: warning: {message}")


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _worker_failed(reason: str) -> None:
    _warn(f"a process pool worker failed ({reason}): its files were linted again in this process")


def _forked(chunks, n: int) -> dict[int, object]:
    """Linux: n - 1 forked children (they inherit the loaded rules). The queue is a pipe
    holding every chunk's number, 4 bytes each, written before forking: a read of 4 bytes
    takes one number, atomically, and an empty pipe means the work is done. A child
    pickles its results into a memory file that the parent reads once the child exits;
    a child that fails leaves its files to the serial path."""
    import pickle

    queue_r, queue_w = os.pipe()
    os.write(queue_w, b"".join(k.to_bytes(4, "little") for k in range(len(chunks))))
    os.close(queue_w)
    children = []
    try:
        for _ in range(n - 1):
            out = os.memfd_create("godockerlint-results", os.MFD_CLOEXEC)
            pid = os.fork()
            if pid == 0:  # never returns: no clean-up of the parent's state, no flush of its buffers
                code = 1
                try:
                    with open(out, "wb", closefd=False) as f:
                        try:
                            for part in _chunk_results(queue_r, chunks, remote=True):  # pickled as it goes:
                                pickle.dump(part, f, pickle.HIGHEST_PROTOCOL)  # no pickling left at the end
                            code = 0
                        except BaseException as exc:  # noqa: BLE001 - the parent reports it
                            pickle.dump(_reason(exc), f, pickle.HIGHEST_PROTOCOL)
                finally:
                    os._exit(code)
            children.append((pid, out))
        results = dict(_drain_queue(queue_r, chunks, remote=False))
        for pid, out in children:
            _, status = os.waitpid(pid, 0)
            os.lseek(out, 0, os.SEEK_SET)  # the child's writes moved the offset the two share
            with open(out, "rb", closefd=False) as f:
                parts = []
                while f.peek(1):
                    parts.append(pickle.load(f))
            code = os.waitstatus_to_exitcode(status)
            if code == 0:
                for part in parts:
                    results.update(part)
            else:  # what it linted is dropped too: the caller lints all of its files again
                failure = [p for p in parts if isinstance(p, str)]
                _worker_failed(failure[-1] if failure else
                               f"killed by signal {-code}" if code < 0 else f"exit status {code}")
        return results
    finally:
        os.close(queue_r)
        for _, out in children:
            os.close(out)


def _drain_queue(queue: int, chunks, remote: bool) -> list:
    out = []
    for part in _chunk_results(queue, chunks, remote):
        out.extend(part)
    return out


def _chunk_results(queue: int, chunks, remote: bool):
    """The results of each chunk taken from the queue, one chunk at a time, until it is empty."""
    while True:
        taken = os.read(queue, 4)
        if len(taken) < 4:
            return
        yield _lint_chunk(chunks[int.from_bytes(taken, "little")], remote=remote)


def _pooled(chunks, n: int) -> dict[int, object]:
    """Elsewhere (macOS: fork is unsafe with its system libraries): a pool of the platform's
    default kind, whose workers load the rules once, and a shared counter."""
    import multiprocessing

    ctx = multiprocessing.get_context()
    results: dict[int, object] = {}
    counter = ctx.Value("i", 0)
    with ctx.Pool(n - 1, initializer=_init, initargs=(chunks, counter)) as pool:
        pending = [pool.apply_async(_drain) for _ in range(n - 1)]
        _init(chunks, counter, load=False)
        results.update(_drain(remote=False))
        for job in pending:
            try:
                results.update(job.get())
            except Exception as exc:  # noqa: BLE001 - the files it took are linted again by the caller
                _worker_failed(_reason(exc))
    return results


_work = None  # (chunks, counter): what _drain() takes its chunks from


def _init(chunks, counter, load: bool = True) -> None:
    global _work
    _work = (chunks, counter)
    if load:
        from godockerlint.lint.rule import load_rules

        load_rules()  # inherited when forked: free; once per worker otherwise


def _drain(remote: bool = True) -> list:
    chunks, counter = _work
    out = []
    while True:
        with counter.get_lock():
            k = counter.value
            counter.value = k + 1
        if k >= len(chunks):
            return out
        out.extend(_lint_chunk(chunks[k], remote=remote))


def _lint_chunk(chunk, remote: bool = True) -> list:
    from godockerlint.lint.engine import lint_file

    out = []
    for i, path, display, settings in chunk:
        try:
            result = lint_file(path, settings, display_path=display)
        except Exception:  # noqa: BLE001 - the parent lints it again and reports it its way
            continue
        for k, f in enumerate(result if remote else ()):
            fix = f.fix
            if fix is not None and not _plain(fix):
                result[k] = _with_fix(f, RemoteFix(path, display, settings, k, fix))
        out.append((i, result))
    return out


def _plain(fix) -> bool:
    from godockerlint.core.findings import Fix

    return type(fix) is Fix


def _with_fix(finding, fix):
    from dataclasses import replace

    return replace(finding, fix=fix)


class RemoteFix:
    """A worker's lazy fix: applicability and message now, edits by re-linting on demand."""

    __slots__ = ("path", "display", "settings", "index", "applicability", "message", "exclusive", "_edits")

    def __init__(self, path: Path, display: str, settings, index: int, fix) -> None:
        self.path, self.display, self.settings, self.index = path, display, settings, index
        self.applicability = fix.applicability
        self.message = fix.message
        self.exclusive = getattr(fix, "exclusive", False)
        self._edits = None

    @property
    def edits(self):
        if self._edits is None:
            from godockerlint.lint.engine import lint_file

            again = lint_file(self.path, self.settings, display_path=self.display)
            self._edits = tuple(again[self.index].fix.edits)
        return self._edits

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state) -> None:
        for k, v in state.items():
            setattr(self, k, v)

    def __repr__(self) -> str:
        return f"RemoteFix({self.applicability!r}, {self.message!r})"

"""Reading a Dockerfile for --fix and writing the fixed one back, atomically.

The fixed text is encoded the way the file was: UTF-8, with the byte-order
mark when the file had one. Line endings and the final newline are whatever
the edits kept (every fix inserts the file's own newline). Writing goes to a
temporary file in the same folder, which is flushed, fsync'ed, given the
original file's mode and then renamed over the original (`os.replace`): a
crash leaves either the old or the new file, never half of one. Through a
symbolic link the link's target is rewritten and the link stays a link. A
read-only file is left untouched and reported in one line; no temporary file
survives a failure or an interrupt (Ctrl-C); only a process killed outright
(SIGKILL, power loss) between writing and renaming can leave a stale
`.Dockerfile.godockerlint-XXXX.tmp` next to the untouched original.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

BOM = b"\xef\xbb\xbf"


class WriteError(Exception):
    """The fixed file could not be written; str(exc) is one line naming the file."""


def encode(text: str, bom: bool) -> bytes:
    data = text.encode("utf-8")
    return BOM + data if bom else data


def check_writable(path: Path, name: str) -> None:
    """Raise WriteError when `path` (or its symlink target) must not or cannot be rewritten."""
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except OSError as exc:
        raise WriteError(f"{name}: {exc.strerror or exc}, not fixed") from None
    # root may write anything: a file without any write bit is read-only on purpose
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(real, os.W_OK):
        raise WriteError(f"{name}: read-only file, not fixed")
    folder = os.path.dirname(real) or "."
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WriteError(f"{name}: its folder {folder} is not writable, not fixed")


def write_atomic(path: Path, data: bytes, name: str | None = None) -> None:
    """Replace the content of `path` (following symlinks) with `data`, atomically."""
    name = name or str(path)
    check_writable(path, name)
    real = os.path.realpath(path)
    st = os.stat(real)
    folder = os.path.dirname(real) or "."
    fd, tmp = -1, None
    try:
        # `.Dockerfile.godockerlint-XXXX.tmp`: recognisable, and never a Dockerfile name (discovery skips it)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.godockerlint-", suffix=".tmp", dir=folder)
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except OSError:
            pass  # not ours to give away: the file keeps our ownership
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, real)
        tmp = None
        _fsync_dir(folder)
    except OSError as exc:
        raise WriteError(f"{name}: cannot write the fixed file: {exc.strerror or exc}") from None
    finally:
        if fd != -1:
            os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _fsync_dir(folder: str) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)

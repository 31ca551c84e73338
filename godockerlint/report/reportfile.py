"""Writing a report or baseline file (`--output FORMAT=FILE`, `--write-baseline FILE`) atomically.

The text goes to a temporary file in the destination's folder, which is fsync'ed and
renamed over the destination, and the folder is fsync'ed: a reader, a crash or a full
disk sees the previous report or the complete new one, never a truncated one. A new
file gets the usual mode (0666 less the umask), an existing one keeps its mode; a
symbolic link is followed (its target is replaced, the link stays). A destination that
is not a regular file (`/dev/stdout`, `/dev/fd/3`, a FIFO) cannot be renamed over and
is written in place. No temporary file survives a failure.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_report(path: Path | str, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically; raises OSError, the destination left as it was."""
    data = text.encode("utf-8")
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(real, "wb") as fh:  # a device, a FIFO, a descriptor: no rename possible
            fh.write(data)
        return
    folder = os.path.dirname(real) or "."
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.godockerlint-", suffix=".tmp", dir=folder)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if st is not None:
            mode = stat.S_IMODE(st.st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, real)
        tmp = None
    finally:
        if fd != -1:
            os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    from godockerlint.fix.writer import _fsync_dir  # the rename is durable once the folder is synced

    _fsync_dir(folder)

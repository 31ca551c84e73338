"""Reading a Dockerfile for --fix and writing the fixed one back, atomically, keeping its identity.

The fixed text is encoded the way the file was: UTF-8, with the byte-order
mark when the file had one. Line endings and the final newline are whatever
the edits kept (every fix inserts the file's own newline). Writing goes to a
temporary file in the same folder, which is given the original file's owner,
group, extended attributes (POSIX ACLs are some) and mode, flushed, fsync'ed
and then renamed over the original (`os.replace`): a crash leaves either the
old or the new file, never half of one. Through a symbolic link the link's
target is rewritten and the link stays a link.

A rename cannot keep everything: a hard-linked file would be split from its
other names, and a user who may write another user's (group-writable) file may
not give a new file that owner, nor every attribute. Then the file is written
in place, as editors do: first a complete copy of it,
`.Dockerfile.godockerlint-XXXX.bak` next to it, is written and fsync'ed; then
the file itself is overwritten, truncated and fsync'ed; then the copy is
removed. At every instant the complete original (the file, or its copy) or the
complete new file is on disk; an error or Ctrl-C while writing puts the
original back from the copy.

A read-only file is left untouched and reported in one line; no temporary file
survives a failure or an interrupt (Ctrl-C); only a process killed outright
(SIGKILL, power loss) can leave a stale `.Dockerfile.godockerlint-XXXX.tmp`
(the new text, next to the untouched original) or `.bak` (the original, next
to a file being overwritten in place).
"""

from __future__ import annotations

import errno
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
    """Replace the content of `path` (following symlinks) with `data`, atomically; the file keeps
    its inode's attributes (links, owner, group, mode, ACLs, xattrs)."""
    name = name or str(path)
    check_writable(path, name)
    real = os.path.realpath(path)
    st = os.stat(real)
    folder = os.path.dirname(real) or "."
    if st.st_nlink > 1:  # a rename would leave the other names with the old text
        return _write_in_place(real, data, name, folder)
    fd, tmp = -1, None
    try:
        # `.Dockerfile.godockerlint-XXXX.tmp`: recognisable, and never a Dockerfile name (discovery skips it)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.godockerlint-", suffix=".tmp", dir=folder)
        if not _take_identity(fd, real, st):  # not ours to give: write the file itself
            os.close(fd)
            fd = -1
            os.unlink(tmp)
            tmp = None
            return _write_in_place(real, data, name, folder)
        _write_all(fd, data)
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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _take_identity(fd: int, real: str, st: os.stat_result) -> bool:
    """Give the open temporary file `real`'s owner, group, extended attributes and mode;
    False when one of them cannot be given (then only an in-place write keeps them)."""
    try:
        mine = os.fstat(fd)
        if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
            os.fchown(fd, st.st_uid, st.st_gid)
        wanted = _xattrs(real)
        for key in set(_xattr_names(fd)) - set(wanted):  # e.g. a default ACL the folder gave it
            os.removexattr(fd, key)
        for key, value in wanted.items():
            os.setxattr(fd, key, value)
        os.fchmod(fd, stat.S_IMODE(st.st_mode))  # last: a chown may clear set-id bits, an ACL the group bits
        if _xattrs(fd) != wanted:
            return False
        mine = os.fstat(fd)
        return (mine.st_uid, mine.st_gid, mine.st_mode) == (st.st_uid, st.st_gid, st.st_mode)
    except OSError:
        return False


def _xattr_names(target) -> list[str]:
    if not hasattr(os, "listxattr"):  # not Linux: the platform's own attributes are not ours to copy
        return []
    try:
        return os.listxattr(target)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):  # a file system without them: nothing to keep
            return []
        raise


def _xattrs(target) -> dict[str, bytes]:
    return {key: os.getxattr(target, key) for key in _xattr_names(target)}


def _write_in_place(real: str, data: bytes, name: str, folder: str) -> None:
    """Overwrite `real` itself, after a complete fsync'ed copy of it; the copy is removed after
    the new content is fsync'ed, and put back if writing fails or is interrupted."""
    bfd, backup = -1, None
    fd = -1
    written = False  # has the file itself been touched?
    original = b""
    try:
        fd = os.open(real, os.O_RDWR | getattr(os, "O_NOCTTY", 0))
        original = _read_all(fd)
        bfd, backup = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.godockerlint-", suffix=".bak",
                                       dir=folder)
        _write_all(bfd, original)
        os.fsync(bfd)
        os.close(bfd)
        bfd = -1
        _fsync_dir(folder)  # the copy's name is on disk before the file changes
        written = True
        os.lseek(fd, 0, os.SEEK_SET)
        _write_all(fd, data)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
        written = False  # complete: the copy is no longer needed
    except OSError as exc:
        raise WriteError(f"{name}: cannot write the fixed file: {exc.strerror or exc}"
                         + _restore(fd, original, backup, written)) from None
    except BaseException:  # Ctrl-C: the original goes back
        _restore(fd, original, backup, written)
        raise
    else:
        _remove(backup)
        _fsync_dir(folder)
    finally:
        if bfd != -1:
            os.close(bfd)
        if fd != -1:
            os.close(fd)


def _read_all(fd: int) -> bytes:
    parts = []
    while True:
        part = os.read(fd, 1 << 16)
        if not part:
            return b"".join(parts)
        parts.append(part)


def _restore(fd: int, original: bytes, backup: str | None, written: bool) -> str:
    """Put the original back after a failed in-place write; '' or why the copy was kept."""
    if written:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            _write_all(fd, original)
            os.ftruncate(fd, len(original))
            os.fsync(fd)
        except OSError:
            return f"; the original is kept in {backup}"
    _remove(backup)
    return ""


def _remove(path: str | None) -> None:
    if path is not None:
        try:
            os.unlink(path)
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

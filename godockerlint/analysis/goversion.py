"""The Go version and module mode of each stage, and the Go releases godockerlint knows.

Computed once by the analysis (rules.md, "Real-world semantics (revision 2)"); rules and
fixes read it, they never work it out again. The API, all of it:

- ``StageFacts.go_version`` -> ``GoVersion``: where the stage's Go comes from and which
  release it is. ``.version`` is a tuple such as ``(1, 12)`` or ``(1, 9, 2)``, or None when
  unknown; unknown means "current" (``.effective`` is then ``CURRENT``). ``.source`` says
  where it was read, for messages ("the golang:1.9 tag", "apk add go on alpine 3.4").
  Sources, first match wins: the Go image's tag (expanded through the ARG default that feeds
  it), the parent stage's (``FROM <stage>``), a Go tarball whose URL names the version, a
  toolchain installed by the distribution (``apk add go`` per alpine release, ``golang-go``
  per Debian/Ubuntu release, ``golang-1.19-go``), ``ENV``/``ARG GO_VERSION`` (or
  ``GOLANG_VERSION``).
- ``GoVersion.supports(feature)`` / ``GoVersion.needs(feature)`` for the features of
  ``FEATURES`` (``needs`` gives "needs Go >= 1.13" when the version lacks it, else None), and
  the shorthands ``has_modules`` (1.11), ``has_build_cache`` (1.10), ``has_trimpath``
  (1.13), ``has_install_at_version`` (1.16), ``vendor_by_default`` (1.14),
  ``modules_by_default`` (1.16).
- ``StageFacts.module_mode`` -> bool: the stage's go commands run in module mode. Go >= 1.11
  and GO111MODULE not ``off``, and either ``GO111MODULE=on``, Go >= 1.16, or go.mod in the
  stage (copied or bind-mounted, explicitly or by ``COPY . .`` from a context that has one;
  unknown context: a copied source tree counts). Go 1.11 and 1.12 ignore go.mod inside
  ``$GOPATH/src`` unless GO111MODULE=on.
- ``RELEASES`` (minor -> newest patch release known), ``CURRENT`` (the newest minor) and
  ``newest_release(minimum)``: the newest known release at least ``minimum`` (used to pin an
  image without ever going below what go.mod asks for).
"""

from __future__ import annotations

import posixpath
import re

from godockerlint.core.record import Frozen, _set

# Newest patch release known per minor; update with each Go release.
RELEASES: dict[tuple[int, int], str] = {
    (1, 0): "1.0.3", (1, 1): "1.1.2", (1, 2): "1.2.2", (1, 3): "1.3.3", (1, 4): "1.4.3", (1, 5): "1.5.4",
    (1, 6): "1.6.4", (1, 7): "1.7.6", (1, 8): "1.8.7", (1, 9): "1.9.7", (1, 10): "1.10.8", (1, 11): "1.11.13",
    (1, 12): "1.12.17", (1, 13): "1.13.15", (1, 14): "1.14.15", (1, 15): "1.15.15", (1, 16): "1.16.15",
    (1, 17): "1.17.13", (1, 18): "1.18.10", (1, 19): "1.19.13", (1, 20): "1.20.14", (1, 21): "1.21.13",
    (1, 22): "1.22.12", (1, 23): "1.23.12", (1, 24): "1.24.11", (1, 25): "1.25.5", (1, 26): "1.26.6",
    (1, 27): "1.27.3",
}
CURRENT: tuple[int, int] = max(RELEASES)

# feature -> first Go release that has it
FEATURES: dict[str, tuple[int, int]] = {
    "build cache": (1, 10),  # GOCACHE
    "modules": (1, 11),  # go.mod, go mod download, GOPROXY, GOFLAGS
    "go env -w": (1, 13),
    "GOPRIVATE": (1, 13),
    "-trimpath": (1, 13),
    "vendor by default": (1, 14),  # -mod=vendor implied by vendor/modules.txt
    "GOMODCACHE": (1, 15),
    "modules by default": (1, 16),
    "go install pkg@version": (1, 16),
    "-buildvcs": (1, 18),
    "toolchain line": (1, 21),
}

# alpine release -> minor of its `go` package (community repository)
ALPINE_GO: dict[tuple[int, int], tuple[int, int]] = {
    (3, 1): (1, 3), (3, 2): (1, 4), (3, 3): (1, 5), (3, 4): (1, 6), (3, 5): (1, 7), (3, 6): (1, 8),
    (3, 7): (1, 9), (3, 8): (1, 10), (3, 9): (1, 11), (3, 10): (1, 12), (3, 11): (1, 13), (3, 12): (1, 13),
    (3, 13): (1, 15), (3, 14): (1, 16), (3, 15): (1, 17), (3, 16): (1, 18), (3, 17): (1, 19), (3, 18): (1, 20),
    (3, 19): (1, 21), (3, 20): (1, 22), (3, 21): (1, 23), (3, 22): (1, 24), (3, 23): (1, 25),
}
# Debian / Ubuntu release (number or codename) -> minor of its golang-go package
DEBIAN_GO: dict[str, tuple[int, int]] = {
    "7": (1, 0), "wheezy": (1, 0), "8": (1, 3), "jessie": (1, 3), "9": (1, 7), "stretch": (1, 7),
    "10": (1, 11), "buster": (1, 11), "11": (1, 15), "bullseye": (1, 15), "12": (1, 19), "bookworm": (1, 19),
    "13": (1, 24), "trixie": (1, 24),
}
UBUNTU_GO: dict[str, tuple[int, int]] = {
    "14.04": (1, 2), "trusty": (1, 2), "16.04": (1, 6), "xenial": (1, 6), "18.04": (1, 10), "bionic": (1, 10),
    "20.04": (1, 13), "focal": (1, 13), "22.04": (1, 18), "jammy": (1, 18), "24.04": (1, 22), "noble": (1, 22),
    "24.10": (1, 23), "oracular": (1, 23), "25.04": (1, 24), "plucky": (1, 24),
}
_CODENAMES = {k for k in list(DEBIAN_GO) + list(UBUNTU_GO) if not k[0].isdigit()}

VERSION_VARS = ("GO_VERSION", "GOLANG_VERSION")
_VERSION_RE = re.compile(r"^v?(?:go)?(\d+)\.(\d+)(?:\.(\d+))?")
_TARBALL_RE = re.compile(r"\bgo(\d+\.\d+(?:\.\d+)?)[.-]?(?:src|(?:linux|freebsd|darwin|windows)-[a-z0-9]+)")
_GO_PKG_RE = re.compile(r"^golang-(\d+\.\d+)(?:-go)?$")
_PACKAGE_MANAGERS = frozenset({"apk", "apt-get", "apt", "aptitude"})


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """'1.12', '1.9.2-windowsservercore', 'go1.21.0', 'v1.20' -> (1, 12) / (1, 9, 2) / ...; else None."""
    if not text:
        return None
    m = _VERSION_RE.match(text.strip())
    if not m:
        return None
    return tuple(int(x) for x in m.groups() if x is not None)


def newest_release(minimum: tuple[int, ...] | None = None) -> str:
    """The newest Go release known that is at least `minimum` ("1.27.3"); a minimum newer than
    every known release is returned as it is written ("1.28" for (1, 28))."""
    newest = RELEASES[CURRENT]
    if minimum is not None and minimum > parse_version(newest):
        return ".".join(map(str, minimum))
    return newest


def feature_version(feature: str) -> str:
    return ".".join(map(str, FEATURES[feature]))


class GoVersion(Frozen):
    """The Go release of a stage: `version` (None = unknown, taken as current) and `source`."""

    __slots__ = ("version", "source")

    def __init__(self, version: tuple[int, ...] | None, source: str | None = None) -> None:
        _set(self, "version", version)
        _set(self, "source", source)  # e.g. "the golang:1.9 tag"; None when unknown

    @property
    def known(self) -> bool:
        return self.version is not None

    @property
    def effective(self) -> tuple[int, ...]:
        return self.version if self.version is not None else CURRENT

    def at_least(self, minimum: tuple[int, ...]) -> bool:
        return self.effective >= tuple(minimum)

    def supports(self, feature: str) -> bool:
        return self.at_least(FEATURES[feature])

    def needs(self, feature: str) -> str | None:
        """None when this Go has `feature`, else "needs Go >= X" (for a message)."""
        return None if self.supports(feature) else f"needs Go >= {feature_version(feature)}"

    @property
    def has_build_cache(self) -> bool:
        return self.supports("build cache")

    @property
    def has_modules(self) -> bool:
        return self.supports("modules")

    @property
    def has_trimpath(self) -> bool:
        return self.supports("-trimpath")

    @property
    def has_install_at_version(self) -> bool:
        return self.supports("go install pkg@version")

    @property
    def vendor_by_default(self) -> bool:
        return self.supports("vendor by default")

    @property
    def modules_by_default(self) -> bool:
        return self.supports("modules by default")

    def __str__(self) -> str:
        return ".".join(map(str, self.version)) if self.version is not None else "current"


UNKNOWN = GoVersion(None)


# -- computing it (called by the analysis) ----------------------------------------------
def stage_go_version(sf) -> GoVersion:
    """The GoVersion of a StageFacts whose runs, env and parent are analysed."""
    from godockerlint.analysis.words import image_name, image_tag

    if sf.parent is not None:
        own = _installed_version(sf)
        return own if own is not None else sf.parent.go_version
    if sf.toolchain_base:
        tag = image_tag(sf.base) or ""
        v = parse_version(tag)
        if v is not None:
            via = " (from the ARG default)" if "$" in sf.stage.base else ""
            return GoVersion(v, f"the {image_name(sf.base)}:{tag} tag{via}")
        return UNKNOWN
    own = _installed_version(sf)
    return own if own is not None else UNKNOWN


def _installed_version(sf) -> GoVersion | None:
    """A Go installed by this stage's RUNs (tarball, distribution package) or named by ENV/ARG."""
    from godockerlint.parse.shell import expand

    found: GoVersion | None = None
    for run in sf.runs:
        for cmd, _, _ in run.commands:
            words = [expand(w.value, run.env.get) if "$" in w.value else w.value for w in cmd.words]
            if not words:
                continue
            for w in words:
                m = _TARBALL_RE.search(w)
                if m and ("://" in w or w.endswith((".tar.gz", ".tgz", ".zip"))):
                    return GoVersion(parse_version(m.group(1)), f"the Go {m.group(1)} tarball")
            if found is None and posixpath.basename(words[0]) in _PACKAGE_MANAGERS:
                found = _package_version(sf, words)
    if found is not None:
        return found
    for name in VERSION_VARS:
        v = parse_version(sf.env.get(name))
        if v is None:
            for run in sf.runs:
                v = v or parse_version(run.env.get(name))
        if v is not None:
            return GoVersion(v, f"{name}={'.'.join(map(str, v))}")
    return None


def _package_version(sf, words: list[str]) -> GoVersion | None:
    from godockerlint.analysis.words import image_name, image_tag

    manager = posixpath.basename(words[0])
    if not any(w in ("add", "install") for w in words[1:]):
        return None
    pkgs = [w for w in words[1:] if not w.startswith("-")]
    ref = sf.root_base.lower()
    name, tag = image_name(ref).rsplit("/", 1)[-1], image_tag(ref) or ""
    if manager == "apk":
        if not any(p == "go" or p.startswith("go=") for p in pkgs):
            return None
        pinned = next((p for p in pkgs if p.startswith("go=")), None)
        if pinned and parse_version(pinned[3:]):
            v = parse_version(pinned[3:])
            return GoVersion(v, f"apk add {pinned}")
        m = re.search(r"(?:^|alpine)(\d+)\.(\d+)", tag) if name == "alpine" or "alpine" in tag else None
        release = (int(m.group(1)), int(m.group(2))) if m else None
        if release in ALPINE_GO:
            return GoVersion(ALPINE_GO[release], f"apk add go on alpine {release[0]}.{release[1]}")
        return None  # edge, latest or a newer release: current
    if "-t" in words or any("backports" in w for w in words):
        return None  # a backported toolchain: newer than the release's, unknown
    for p in pkgs:
        m = _GO_PKG_RE.match(p)
        if m:
            return GoVersion(parse_version(m.group(1)), f"the {p} package")
    if not any(p in ("golang-go", "golang") for p in pkgs):
        return None
    table, distro = (UBUNTU_GO, "Ubuntu") if name == "ubuntu" else (DEBIAN_GO, "Debian")
    release = None
    for part in re.split(r"[-_]", tag):
        if part in table:
            release = part
            break
        major = part.split(".", 1)[0] if table is DEBIAN_GO else part
        if major in table and part[:1].isdigit():
            release = major
            break
    if release is None and name not in ("ubuntu", "debian"):
        release = next((p for p in re.split(r"[-_]", tag) if p in _CODENAMES), None)
        if release in UBUNTU_GO and release not in DEBIAN_GO:
            table, distro = UBUNTU_GO, "Ubuntu"
    if release in table:
        return GoVersion(table[release], f"{distro} {release}'s golang-go")
    return None


def stage_module_mode(sf) -> bool:
    """Do this stage's go commands run in module mode? (see the module docstring)"""
    v = sf.go_version
    if not v.has_modules:
        return False
    setting = ""
    for run in sf.runs:
        setting = run.env.get("GO111MODULE") or setting
    setting = (sf.go_env_file.get("GO111MODULE") or sf.env.get("GO111MODULE") or setting).lower()
    if setting == "off":
        return False
    if setting == "on" or v.modules_by_default:
        return True
    # sources_copied / gomod_copied carry over from the parent stage; bind mounts last one RUN
    ctx = sf.facts.context
    has_gomod = sf.gomod_copied is not None or any(r.binds_gomod for r in sf.runs)
    if not has_gomod and (sf.sources_copied is not None or any(r.binds_sources for r in sf.runs)):
        has_gomod = ctx is None or ctx.go_mod is not None
    if not has_gomod:
        return False
    if v.effective < (1, 13):
        gopath = (sf.env.get("GOPATH") or sf.default_gopath("/root")).split(":")[0]
        wd = sf.runs[-1].workdir if sf.runs else sf.workdir
        if wd == posixpath.join(gopath, "src") or wd.startswith(posixpath.join(gopath, "src") + "/"):
            return False
    return True


def run_module_mode(run, go111module: str | None = None) -> bool:
    """Do the go commands of one RUN run in module mode? As `stage_module_mode`, but with what that
    RUN sees (go.mod copied or bound before it, its WORKDIR, its GO111MODULE; `go111module` is a
    command's own setting, e.g. an inline prefix), so it can be asked while the stage is analysed."""
    sf = run.stage
    v = sf.go_version
    if not v.has_modules:
        return False
    setting = (go111module or run.env.get("GO111MODULE") or sf.go_env_file.get("GO111MODULE") or "").lower()
    if setting == "off":
        return False
    if setting == "on" or v.modules_by_default:
        return True
    ctx = sf.facts.context
    has_gomod = run.gomod_copied_before is not None or run.binds_gomod
    if not has_gomod and (run.sources_copied_before is not None or run.binds_sources):
        has_gomod = ctx is None or ctx.go_mod is not None
    if not has_gomod:
        return False
    if v.effective < (1, 13):
        gopath = (run.env.get("GOPATH") or sf.default_gopath("/root")).split(":")[0]
        src = posixpath.join(gopath, "src")
        if run.workdir == src or run.workdir.startswith(src + "/"):
            return False
    return True

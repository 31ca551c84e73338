"""What godockerlint knows of a base image's defaults: its ENV, its USER, and whether that is all.

Used by the analysis for a stage's starting environment (rules.md, "Cache paths" in revision 2):
- official `golang` images: GOPATH=/go, GOTOOLCHAIN=local, WORKDIR /go, root;
- Red Hat go-toolset builders (`registry.access.redhat.com/ubi9/go-toolset`, `ubi8/go-toolset`,
  `rhel8/go-toolset`): uid 1001 with HOME and WORKDIR /opt/app-root/src, so GOPATH is
  /opt/app-root/src/go and GOCACHE /opt/app-root/src/.cache/go-build;
- distribution images (alpine, debian, ubuntu, busybox, centos, fedora, amazonlinux, UBI),
  Chainguard's images: root, no Go settings (a distribution's go uses $HOME/go).
Any other image (a company's builder image, an unresolved `FROM ${IMAGE}`) is unknown: its
GOPATH, HOME and user may be anything, so a cache path computed for it is a guess.
"""

from __future__ import annotations

GOLANG_ENV = {"GOPATH": "/go", "GOTOOLCHAIN": "local",
              "PATH": "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                      "/sbin:/bin"}
GO_TOOLSET_HOME = "/opt/app-root/src"
KNOWN_FAMILIES = frozenset({"golang", "alpine", "debian", "ubuntu", "busybox", "centos", "fedora", "amazonlinux",
                            "rhel", "distroless", "scratch"})


def _name(ref: str) -> str:
    from godockerlint.analysis.words import image_name

    return image_name(ref.lower())


def is_go_toolset(ref: str) -> bool:
    return _name(ref).endswith("/go-toolset")


def base_env(ref: str) -> dict[str, str]:
    """The ENV a base image starts a stage with (as far as Go cares)."""
    from godockerlint.analysis.words import image_family

    name = _name(ref)
    if image_family(ref) == "golang" and name.endswith("golang"):
        return dict(GOLANG_ENV)
    if is_go_toolset(ref):
        return {"HOME": GO_TOOLSET_HOME}
    return {}


def base_workdir(ref: str) -> str:
    """The WORKDIR a base image starts a stage in: /go in official golang images, HOME in go-toolset."""
    from godockerlint.analysis.words import image_family

    if image_family(ref) == "golang" and _name(ref).endswith("golang"):
        return "/go"
    return GO_TOOLSET_HOME if is_go_toolset(ref) else "/"


def base_user(ref: str) -> str | None:
    """The USER a base image runs as (None: root)."""
    return "1001" if is_go_toolset(ref) else None


def defaults_known(ref: str) -> bool:
    """Does godockerlint know this image's GOPATH/HOME (see the module docstring)?"""
    from godockerlint.analysis.words import image_family

    if not ref or "$" in ref:
        return False
    return image_family(ref) in KNOWN_FAMILIES or _name(ref).startswith("cgr.dev/chainguard/")


def nonroot_by_default(ref: str) -> bool:
    """Does this base image run as a non-root user when no USER is given?"""
    from godockerlint.analysis.words import image_name, image_tag

    low = ref.lower()
    name = image_name(low)
    if "distroless" in name:
        return "nonroot" in (image_tag(low) or "")
    return name.startswith("cgr.dev/chainguard/")

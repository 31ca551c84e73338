"""What an instruction's words name: image references (repository, tag, family, shell),
a COPY's sources and destination, and whether a mount covers a path."""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from godockerlint.parse.model import Instruction

TOOLCHAIN_IMAGE_RE = re.compile(
    r"^(?:(?:docker\.io/)?(?:library/)?golang|[^:@]+/golang|cgr\.dev/chainguard/go(?:-fips)?|"
    r"[^:@]*/go-toolset|[^:@]*/golang-\d+[^:@]*)(?:[:@].*)?$"
)


# `COPY $PWD ./`: PWD is no build variable, so the source is empty, i.e. the whole context
WHOLE_CONTEXT_VARS = frozenset({"$PWD", "${PWD}", "$PWD/", "${PWD}/"})


def copy_sources(ins: Instruction) -> list[str]:
    """The source arguments of a COPY/ADD (every argument but the destination)."""
    if ins.json_args is not None:
        args = list(ins.json_args)
    else:
        from godockerlint.parse.shell import split_words

        args = [w.value for w in split_words(ins.args)]
    return args[:-1]


def copy_destination(ins: Instruction) -> str:
    if ins.json_args is not None:
        return ins.json_args[-1] if ins.json_args else "."
    from godockerlint.parse.shell import split_words

    words = split_words(ins.args)
    return words[-1].value if words else "."


def image_name(ref: str) -> str:
    """The repository part of an image reference (no tag, no digest)."""
    ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    return ref


def image_tag(ref: str) -> str | None:
    ref_nodigest = ref.split("@", 1)[0]
    last = ref_nodigest.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def is_toolchain_image(ref: str) -> bool:
    return bool(TOOLCHAIN_IMAGE_RE.match(ref.lower()))


@lru_cache(maxsize=256)  # asked for each stage by many rules
def image_family(ref: str) -> str:
    """golang, distroless, scratch, alpine, debian, ubuntu, busybox, chainguard-static, other."""
    name = image_name(ref.lower())
    short = name.rsplit("/", 1)[-1]
    if ref.lower() == "scratch":
        return "scratch"
    if is_toolchain_image(ref):
        return "golang"
    if "distroless" in name:
        return "distroless"
    if short in ("alpine", "debian", "ubuntu", "busybox", "centos", "fedora", "amazonlinux"):
        return short
    if short.startswith("ubi") or "redhat" in name:
        return "rhel"
    return "other"


def image_shell(ref: str) -> str | None:
    """The shell a base image provides: "/bin/sh" for ordinary images, "/busybox/sh" for the
    distroless `:debug` variants (busybox lives in /busybox; /bin/sh does not exist), None for
    images without a shell (scratch, distroless, Chainguard static)."""
    low = ref.lower()
    if low == "scratch":
        return None
    name = image_name(low)
    tag = image_tag(low) or ""
    if "distroless" in name:
        return "/busybox/sh" if tag.startswith("debug") else None
    if name.startswith("cgr.dev/chainguard/static"):
        return None
    return "/bin/sh"


def covers(target: str | None, path: str | None) -> bool:
    """Does a mount at `target` contain `path`?"""
    if not target or not path:
        return False
    t = posixpath.normpath(target)
    p = posixpath.normpath(path)
    return p == t or p.startswith(t.rstrip("/") + "/")

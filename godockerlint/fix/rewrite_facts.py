"""What the whole-file rewrite needs to know, read from the model, the Go facts and the build context.

The rewrite turns a final stage that is the Go toolchain image (a single-stage
build, or `FROM golang`/`FROM <go stage>` last) into a build stage and a
distroless final stage. This module only gathers facts (no text is produced
here): Go version and builder variant, WORKDIR, the binaries built (main
package, output path and name), CGO need, and which instructions of the old
final stage say what the image does at run time. Whatever it cannot classify
goes into `notes`, which the fix's message lists.
"""

from __future__ import annotations

import json
import os
import posixpath
import re

from godockerlint.analysis.gocommands import GoCommand
from godockerlint.analysis.stages import StageFacts
from godockerlint.analysis.words import copy_destination, copy_sources, image_name, image_tag
from godockerlint.analysis.buildcontext import version_tuple
from godockerlint.parse.model import Instruction
from godockerlint.analysis.binaries import Binary, binaries  # noqa: F401  (the rewrite's names)
from godockerlint.core.record import Record
from godockerlint.parse.shell import key_values, split_words

BUILDER_NAMES = ("build", "builder", "go", "golang", "compile", "compiler")
GO_VARIANTS = ("alpine", "bookworm", "bullseye", "trixie", "buster")
SHELL_SYNTAX_RE = re.compile(r"[$`|&;<>(){}*?~]|\[\[")
# top-level context entries that are never runtime files
NOT_RUNTIME = re.compile(
    r"^(?:\..*|go\.(?:mod|sum|work|work\.sum)|.*\.go|(?:Docker|Container)file.*|.*\.[Dd]ockerfile|.*\.md|"
    r"LICEN[CS]E.*|COPYING.*|NOTICE.*|AUTHORS.*|Makefile|.*\.mk|vendor|testdata|docs?|scripts?|hack|tests?|"
    r"examples?|bin|out|dist|build|deploy|charts?|\.?github)$"
)


class SplitFacts(Record):
    __slots__ = ("stage", "go_version", "variant", "builder_image", "workdir", "binaries", "cgo", "cgo_why",
                 "runtime_files", "notes", "changes")

    def __init__(self, stage: StageFacts, go_version: str | None, variant: str | None, builder_image: str,
                 workdir: str, binaries: list[Binary] | None = None, cgo: bool = False, cgo_why: str = "",
                 runtime_files: list[str] | None = None, notes: list[str] | None = None,
                 changes: list[str] | None = None) -> None:
        self.stage = stage  # the old final stage
        self.go_version = go_version  # go.mod toolchain/go line, else the image tag
        self.variant = variant  # alpine3.20, bookworm, ...
        self.builder_image = builder_image
        self.workdir = workdir
        self.binaries = [] if binaries is None else binaries
        self.cgo = cgo
        self.cgo_why = cgo_why
        self.runtime_files = [] if runtime_files is None else runtime_files  # absolute paths carried with COPY --from
        self.notes = [] if notes is None else notes  # why the rewrite cannot be proven (one clause each): refused
        self.changes = [] if changes is None else changes  # what the rewrite changes, stated in its message


def go_version(facts, stage: StageFacts) -> str | None:
    ctx = facts.context
    gm = ctx.go_mod if ctx is not None else None
    if gm is not None:
        if gm.toolchain and version_tuple(gm.toolchain):
            return gm.toolchain[2:] if gm.toolchain.startswith("go") else gm.toolchain
        if gm.go and version_tuple(gm.go):
            return gm.go
    tag = image_tag(stage.root_base) or ""
    m = re.match(r"^(\d+\.\d+(?:\.\d+)?)", tag)
    return m.group(1) if m else None


def variant(ref: str) -> str | None:
    tag = (image_tag(ref) or "").lower()
    for v in GO_VARIANTS:
        m = re.search(rf"(?:^|-)({v}[0-9.]*)$", tag)
        if m:
            return m.group(1)
    return None


def builder_image(facts, stage: StageFacts, version: str | None, var: str | None) -> str:
    """The FROM reference of the build stage: as written, unless the official image has no version tag."""
    words = stage.stage.from_instruction.args.split()
    written = next((w for w in words if not w.startswith("--")), stage.base)
    name = image_name(stage.base.lower())
    tag = image_tag(stage.base) or ""
    official = name in ("golang", "docker.io/golang", "docker.io/library/golang", "library/golang")
    if official and version and "@" not in stage.base and not re.match(r"^\d+\.\d+", tag):
        return f"golang:{version}" + (f"-{var}" if var else "")
    return written


def is_go_variable(name: str) -> bool:
    return name.startswith(("GO", "CGO_")) or name in ("CC", "CXX", "PKG_CONFIG_PATH")


def copy_runtime_files(facts, ins: Instruction, workdir: str, notes: list[str]) -> list[str]:
    """Absolute paths of the runtime files (not Go sources, not go.mod) a COPY/ADD puts in the image."""
    from godockerlint.parse.shell import expand

    srcs = copy_sources(ins)
    st = facts.stage_of(ins)
    written = expand(copy_destination(ins), st.env.get) if st is not None else copy_destination(ins)
    if "$" in written or not written:
        notes.append(f"the destination of the {ins.keyword} on line {ins.line} is not known")
        return []
    dest = posixpath.normpath(posixpath.join(workdir, written))
    dir_dest = written.endswith("/") or len(srcs) > 1
    out = []
    for src in srcs:
        norm = posixpath.normpath(src.lstrip("/")) if src.strip() not in ("", "/") else "."
        if norm in (".", "*", "./*"):
            out += _tree_runtime_files(facts, dest, ins, notes)
            continue
        if facts.is_source_path(src) or posixpath.basename(norm).startswith(("go.mod", "go.sum", "go.work")):
            continue
        if any(c in src for c in "*?[") or "$" in src or "://" in src:
            notes.append(f"{ins.keyword} {src} on line {ins.line} is not carried into the final image")
            continue
        out.append(posixpath.join(dest, posixpath.basename(norm)) if dir_dest else dest)
    return out


def copied_from_stage(facts, ins: Instruction, notes: list[str]) -> list[str]:
    """Where a `COPY --from=<stage or image>` put its files: carried into the final image as they are."""
    from godockerlint.parse.shell import expand

    srcs = copy_sources(ins)
    st = facts.stage_of(ins)
    written = expand(copy_destination(ins), st.env.get) if st is not None else copy_destination(ins)
    if "$" in written or not written or any("$" in s or any(c in s for c in "*?[") for s in srcs):
        notes.append(f"what the {ins.keyword} --from on line {ins.line} puts in the image is not known")
        return []
    dest = posixpath.normpath(posixpath.join(facts.workdir_at(ins), written))
    if written.endswith("/") or len(srcs) > 1:
        return [posixpath.join(dest, posixpath.basename(posixpath.normpath(s))) for s in srcs]
    return [dest]


def _tree_runtime_files(facts, dest: str, ins: Instruction, notes: list[str]) -> list[str]:
    """The entries of a whole-context COPY that the app may read at run time, all named and carried.

    Go package folders stay behind (their code is in the binary) unless they hold other files
    (templates, assets read from disk): then the rewrite is refused."""
    ctx = facts.context
    if ctx is None:
        notes.append(f"the files the app reads from `{ins.keyword} . {copy_destination(ins)}` (line {ins.line}) "
                     f"are not known without the build context")
        return []
    try:
        names = sorted(os.listdir(ctx.root))
    except OSError:
        return []
    ignore = ctx.dockerignore
    out: list[str] = []
    for name in names:
        if NOT_RUNTIME.match(name) or (ignore is not None and ignore.ignored(name)):
            continue
        full = os.path.join(ctx.root, name)
        is_dir = os.path.isdir(full)
        if is_dir and (name in ctx.go_dirs or any(d.startswith(name + "/") for d in ctx.go_dirs)):
            other = _non_go_file(full)
            if other is not None:
                notes.append(f"the Go package folder {name}/ also holds {other}, which the app may read at run time")
            continue
        out.append(posixpath.join(dest, name))
    return out


def _non_go_file(folder: str) -> str | None:
    """A file of a Go package folder that is neither Go code nor embedded (`//go:embed`), if any."""
    found = None
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("testdata", "vendor"))
        for f in sorted(files):
            path = os.path.join(top, f)
            if f.endswith(".go"):
                try:
                    with open(path, "rb") as fh:
                        if b"//go:embed" in fh.read(65536):
                            return None  # the files are in the binary
                except OSError:
                    pass
            elif found is None and not (f.endswith((".s", ".c", ".h", ".md", ".mod", ".sum", ".proto"))
                                        or f.startswith(".")):
                found = os.path.relpath(path, os.path.dirname(folder)).replace(os.sep, "/")
    return found


def exec_argv(ins: Instruction) -> list[str] | None:
    """The argv of an exec-form CMD/ENTRYPOINT, or of a shell form simple enough to become one."""
    if ins.json_args is not None:
        return list(ins.json_args)
    args = ins.args.strip()
    if SHELL_SYNTAX_RE.search(args.replace("\\ ", "")):
        return None
    return [w.value for w in split_words(args)]


def healthcheck_parts(ins: Instruction) -> tuple[str, list[str] | None]:
    """(options before CMD, argv or None) of a HEALTHCHECK ... CMD ..."""
    args = ins.args
    m = re.search(r"(^|\s)CMD\s", args, re.I)
    if not m:
        return args, None
    opts = args[: m.start()].strip()
    rest = args[m.end():].strip()
    if rest.startswith("["):
        try:
            argv = json.loads(rest)
            if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
                return opts, argv
        except (ValueError, RecursionError):
            return opts, None
    if SHELL_SYNTAX_RE.search(rest):
        return opts, None
    return opts, [w.value for w in split_words(rest)]


def env_pairs(ins: Instruction) -> list[tuple[str, str | None]]:
    return [(k, v) for k, v, _ in key_values(ins.args)]

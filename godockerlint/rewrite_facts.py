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

from godockerlint.analysis import (GoCommand, StageFacts, copy_destination, copy_sources, image_name,
                                   image_tag)
from godockerlint.buildcontext import version_tuple
from godockerlint.model import Instruction
from godockerlint.record import Record
from godockerlint.shell import key_values, split_words

BUILDER_NAMES = ("build", "builder", "go", "golang", "compile", "compiler")
GO_VARIANTS = ("alpine", "bookworm", "bullseye", "trixie", "buster")
SHELL_SYNTAX_RE = re.compile(r"[$`|&;<>(){}*?~]|\[\[")
# top-level context entries that are never runtime files
NOT_RUNTIME = re.compile(
    r"^(?:\..*|go\.(?:mod|sum|work|work\.sum)|.*\.go|(?:Docker|Container)file.*|.*\.[Dd]ockerfile|.*\.md|"
    r"LICEN[CS]E.*|COPYING.*|NOTICE.*|AUTHORS.*|Makefile|.*\.mk|vendor|testdata|docs?|scripts?|hack|tests?|"
    r"examples?|bin|out|dist|build|deploy|charts?|\.?github)$"
)


# what is carried from a whole-tree COPY: folders and files a server reads at run time
RUNTIME_DIRS = frozenset({"config", "configs", "conf", "etc", "templates", "template", "static", "public", "assets",
                          "web", "www", "ui", "migrations", "locales", "i18n", "certs", "data", "views"})
RUNTIME_EXT = (".yaml", ".yml", ".json", ".toml", ".ini", ".conf", ".env", ".html", ".tmpl", ".gohtml", ".css",
               ".js", ".pem", ".crt", ".sql", ".properties", ".xml", ".txt")


class Binary(Record):
    __slots__ = ("path", "name", "package", "command")

    def __init__(self, path: str, name: str, package: str, command: GoCommand) -> None:
        self.path = path  # absolute path in the build stage (copied to the same path in the final stage)
        self.name = name
        self.package = package
        self.command = command


class SplitFacts(Record):
    __slots__ = ("stage", "go_version", "variant", "builder_image", "workdir", "binaries", "cgo", "cgo_why",
                 "runtime_files", "notes")

    def __init__(self, stage: StageFacts, go_version: str | None, variant: str | None, builder_image: str,
                 workdir: str, binaries: list[Binary] | None = None, cgo: bool = False, cgo_why: str = "",
                 runtime_files: list[str] | None = None, notes: list[str] | None = None) -> None:
        self.stage = stage  # the old final stage
        self.go_version = go_version  # go.mod toolchain/go line, else the image tag
        self.variant = variant  # alpine3.20, bookworm, ...
        self.builder_image = builder_image
        self.workdir = workdir
        self.binaries = [] if binaries is None else binaries
        self.cgo = cgo
        self.cgo_why = cgo_why
        self.runtime_files = [] if runtime_files is None else runtime_files  # absolute paths carried with COPY --from
        self.notes = [] if notes is None else notes


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


def binaries(facts, stage: StageFacts, notes: list[str]) -> list[Binary]:
    """The programs `go build`/`go install` produce in this stage (or, if none, in its ancestors)."""
    chain = [stage] + stage.ancestors
    for st in chain:
        found = []
        for gc in st.go_commands:
            if gc.subcommand not in ("build", "install"):
                continue
            b = _binary(facts, gc, notes)
            if b is not None:
                found.append(b)
        if found:
            return found
    return []


def _binary(facts, gc: GoCommand, notes: list[str]) -> Binary | None:
    pkgs = [p for p in gc.packages if not p.startswith("-")]
    if len(pkgs) > 1 or any("..." in p for p in pkgs):
        if gc.subcommand == "build" and "o" not in gc.flags:
            notes.append(f"`go build {' '.join(pkgs)}` on line {gc.instruction.line} builds several packages "
                         f"and writes no binary")
            return None
    pkg = pkgs[0] if pkgs else "."
    name = _package_name(facts, pkg, gc)
    cwd = _cwd(gc)
    if gc.subcommand == "install":
        gobin = gc.setting("GOBIN")
        if not gobin:
            gopath = gc.setting("GOPATH") or gc.run.stage.default_gopath(gc.run.home)
            gobin = posixpath.join(gopath.split(":")[0], "bin")
        if not name:
            notes.append(f"cannot tell the program name of `go install {pkg}` on line {gc.instruction.line}")
            return None
        return Binary(posixpath.join(gobin, name), name, pkg, gc)
    out = gc.output
    if out:
        if "$" in out:
            notes.append(f"the output `-o {out}` on line {gc.instruction.line} uses a variable")
            return None
        path = posixpath.normpath(posixpath.join(cwd, out))
        if out.endswith("/"):
            if not name:
                notes.append(f"cannot tell the program name of `go build {pkg}` on line {gc.instruction.line}")
                return None
            path = posixpath.join(path, name)
        return Binary(path, posixpath.basename(path), pkg, gc)
    if not name:
        notes.append(f"cannot tell the program name of `go build {pkg}` on line {gc.instruction.line}")
        return None
    return Binary(posixpath.join(cwd, name), name, pkg, gc)


def _cwd(gc: GoCommand) -> str:
    """The working directory of a go command: the RUN's WORKDIR, moved by `cd` earlier in the RUN."""
    run = gc.run
    if run._cwds is None:  # one walk per RUN: a long script must not cost O(n²)
        cwd, run._cwds = run.workdir, {}
        for cmd, _, _ in run.commands:
            run._cwds[id(cmd)] = cwd
            if cmd.name == "cd" and len(cmd.words) > 1 and "$" not in cmd.words[1].value:
                cwd = posixpath.normpath(posixpath.join(cwd, cmd.words[1].value))
        run._cwds[None] = cwd
    return run._cwds.get(id(gc.command), run._cwds[None])


def _package_name(facts, pkg: str, gc: GoCommand) -> str | None:
    path = pkg.split("@", 1)[0].rstrip("/")
    if path in ("", "."):
        ctx = facts.context
        gm = ctx.go_mod if ctx is not None else None
        if gm is not None and gm.module:
            path = gm.module
        else:
            cwd = _cwd(gc)
            return posixpath.basename(cwd) if cwd != "/" else None
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts:
        return None
    last = parts[-1]
    if re.match(r"^v\d+$", last) and len(parts) > 1:
        last = parts[-2]
    return last if last != ".." else None


def cgo_need(facts, stage: StageFacts) -> tuple[bool, str, bool]:
    """(CGO on, why, explicitly set) for the builds of the stage."""
    explicit_off = False
    for st in [stage] + stage.ancestors:
        for gc in st.go_commands:
            if gc.subcommand in ("build", "install"):
                v = gc.setting("CGO_ENABLED")
                if v == "1":
                    return True, f"CGO_ENABLED=1 on line {gc.instruction.line}", True
                if v == "0":
                    explicit_off = True
    ctx = facts.context
    if ctx is not None and not explicit_off and ctx.uses_cgo:  # the scan reads .go files: last
        return True, "the sources `import \"C\"`", False
    return False, "", explicit_off


def is_go_variable(name: str) -> bool:
    return name.startswith(("GO", "CGO_")) or name in ("CC", "CXX", "PKG_CONFIG_PATH")


def copy_runtime_files(facts, ins: Instruction, workdir: str, notes: list[str]) -> list[str]:
    """Absolute paths of the runtime files (not Go sources, not go.mod) a COPY/ADD puts in the image."""
    srcs = copy_sources(ins)
    dest = posixpath.normpath(posixpath.join(workdir, copy_destination(ins)))
    dir_dest = copy_destination(ins).endswith("/") or len(srcs) > 1
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


def _tree_runtime_files(facts, dest: str, ins: Instruction, notes: list[str]) -> list[str]:
    ctx = facts.context
    if ctx is None:
        notes.append(f"without a build context, no runtime file of `{ins.keyword} . {copy_destination(ins)}` "
                     f"(line {ins.line}) is carried into the final image")
        return []
    try:
        names = sorted(os.listdir(ctx.root))
    except OSError:
        return []
    ignore = ctx.dockerignore
    out: list[str] = []
    skipped: list[str] = []
    for name in names:
        if NOT_RUNTIME.match(name) or (ignore is not None and ignore.ignored(name)):
            continue
        full = os.path.join(ctx.root, name)
        is_dir = os.path.isdir(full)
        if is_dir and (name in ctx.go_dirs or any(d.startswith(name + "/") for d in ctx.go_dirs)):
            continue  # a Go package folder (its embedded files are in the binary)
        if (is_dir and name.lower() in RUNTIME_DIRS) or (not is_dir and name.lower().endswith(RUNTIME_EXT)):
            out.append(posixpath.join(dest, name))
        else:
            skipped.append(name)
    if skipped:
        notes.append(f"not carried into the final image from `{ins.keyword} .` (line {ins.line}): "
                     + ", ".join(skipped[:8]) + (", ..." if len(skipped) > 8 else ""))
    return out


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

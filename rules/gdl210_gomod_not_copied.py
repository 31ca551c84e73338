"""A Go stage builds in module mode but go.mod never reaches the image.

When the build context has a `go.mod`, the module's imports resolve through
it. A stage that copies only Go files (`COPY *.go ./`, `COPY cmd/ cmd/`) and
then runs `go build` fails with "go: go.mod file not found in current
directory or any parent directory" (or, for `go build main.go` with
third-party imports, "no required module provides package").

go.mod counts as present when, before the go command (in the stage or a
stage it is built `FROM`), a COPY/ADD brings the whole context (`.`, `./`,
`*`), `go.mod` itself or a glob matching it (`go.*`), or a folder whose own
`go.mod` is in the context; or the RUN bind-mounts it or the whole context.
Anything the rule cannot see through makes it stay silent: a `COPY --from`,
a remote ADD, an earlier RUN that fetches or unpacks files (`git`, `curl`,
`wget`, `tar`, `unzip`) or runs `go mod init`, and `GO111MODULE=off`.
`go install pkg@version`, `go version` and `go env` need no go.mod; `go build
main.go` of a module without requirements works without one. This rule reads
the build context and stays silent without one.

A context with Go sources and without any go.mod is a GOPATH-era tree: where the stage's Go (from
the analysis; unknown means current) is in module mode by default (1.16 and
later) and nothing turns it off (`GO111MODULE=off`), a `go build`, `go get -d
./...` or `go install .` of that tree fails the same way (no fix: the owner
decides between a go.mod and GOPATH mode on an older Go).

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY *.go ./
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY *.go ./
RUN go build -o /out/app .
```

Anti-pattern (GOPATH tree on a current Go):

```dockerfile
FROM golang:alpine
WORKDIR /go/src/github.com/acme/app
COPY app.go .
RUN go get -d -v && go build -o /go/bin/app
```

Fix (safe: the build failed before): when the source COPY copies only files
of the context root, `go.mod` and `go.sum` (when the context has one) are added
to its sources (`COPY go.mod go.sum *.go ./`); otherwise `COPY go.mod go.sum ./`
is inserted just before the RUN.
"""

from __future__ import annotations

import fnmatch
import posixpath

from godockerlint.analysis.words import WHOLE_CONTEXT_VARS, copy_sources
from godockerlint.fix.dependency_step import workdir_set
from godockerlint.fix.edits import insert_lines_before, replace_span
from godockerlint.core.findings import SAFE, Fix
from godockerlint.analysis.stageinputs import gopath_tree, may_see_gomod

CODE = "GDL210"
NAME = "gomod-not-copied"
SEVERITY = "error"
FIX = "safe"
SUMMARY = "A module-mode Go build runs where go.mod was never copied: go.mod file not found."
CONTEXT = True

NEEDS_MODULE = frozenset({"build", "install", "test", "run", "vet", "list", "get", "mod download", "mod tidy",
                          "mod vendor", "mod verify", "mod graph", "generate"})
OPAQUE_COMMANDS = frozenset({"git", "curl", "wget", "tar", "unzip", "cp", "mv", "ln", "rsync", "make"})
WHOLE = frozenset({".", "./", "*", "./*", "/"})


def check(ctx):
    context = ctx.facts.context
    if context is None:
        return
    if gopath_tree(ctx.facts):
        yield from _no_go_mod_anywhere(ctx)
        return
    if context.go_mod is None:
        return
    for stage in ctx.facts.stages:
        if not stage.is_go:
            continue
        if _opaque_before(stage):
            continue
        for run in stage.runs:
            gc = next((g for g in run.go_commands if _needs_module(g, context)), None)
            if gc is None:
                if _opaque_run(run):
                    break
                continue
            if _opaque_run(run) or (gc.setting("GO111MODULE") or "").lower() == "off":
                break
            if _gomod_before(ctx, stage, run) or _gomod_bound(ctx, run):
                break
            yield ctx.report(
                gc.span,
                f"`go {gc.subcommand}` runs in {run.workdir} but go.mod was never copied into the image "
                f"(the context has one): the build fails with \"go.mod file not found\"; copy go.mod and go.sum first",
                fix=_fix(ctx, stage, run),
            )
            break


def _needs_module(gc, context) -> bool:
    if gc.subcommand not in NEEDS_MODULE:
        return False
    if gc.outside_module:
        return False
    if gc.subcommand == "get" and gc.packages and not any(p.startswith((".", "/")) for p in gc.packages):
        return False  # installs or fetches packages by path (a tool, GOPATH-era prefetch): not this module
    files = [p for p in gc.packages if p.endswith(".go")]
    if files and len(files) == len(gc.packages) and not context.go_mod.requires:
        return False
    if (gc.subcommand == "get" and gc.packages and gc.run.sources_copied_before is None
            and all("." in p.split("/", 1)[0] for p in gc.packages)):
        return False  # a tool fetched before any source is copied: GDL106's business (go install pkg@version)
    return True


def _copies_gomod(ctx, ins) -> bool:
    context = ctx.facts.context
    for src in copy_sources(ins):
        s = src.strip()
        if s in WHOLE or s in WHOLE_CONTEXT_VARS or posixpath.normpath(s) == ".":
            return True
        base = posixpath.basename(s.rstrip("/"))
        folder = posixpath.dirname(posixpath.normpath(s.lstrip("/")))
        if folder in ("", ".") and fnmatch.fnmatchcase("go.mod", base):
            return True
        if "*" not in s and context.exists(posixpath.join(posixpath.normpath(s.lstrip("/")), "go.mod")):
            return True
    return False


def _gomod_before(ctx, stage, run) -> bool:
    """Is go.mod copied before `run`, in its stage or one it is built on (each ancestor's answer once
    per file: asked per stage, a walk over a long FROM chain would cost O(stages²))?"""
    if stage.parent is not None and stage.parent.nearest("gdl210_gomod", lambda st: _stage_copies_gomod(ctx, st)):
        return True
    for ins in stage.stage.instructions:
        if ins is run.instruction:
            return False
        if ins.keyword in ("COPY", "ADD") and not ins.heredocs and _copies_gomod(ctx, ins):
            return True
    return False


def _stage_copies_gomod(ctx, st) -> bool:
    return any(ins.keyword in ("COPY", "ADD") and not ins.heredocs and _copies_gomod(ctx, ins)
               for ins in st.stage.instructions)


def _gomod_bound(ctx, run) -> bool:
    for m in run.bind_mounts:
        if m.from_:
            return True  # files from another stage or image: not judged
        src = (m.source or "").strip()
        if src in WHOLE or src == "" or posixpath.basename(src) == "go.mod":
            return True
    return False


def _no_go_mod_anywhere(ctx):
    """A GOPATH-era tree (no go.mod in the context) built by a Go that is in module mode by default.
    Only for a context that holds Go sources: a folder without any (the Dockerfile's own folder when the
    real context is elsewhere, `docker build -f deploy/Dockerfile .`) says nothing about the module."""
    for stage in ctx.facts.stages:
        if not stage.is_go or not stage.go_version.modules_by_default:
            continue
        if _opaque_before(stage):
            continue
        for run in stage.runs:
            if _opaque_run(run):
                break
            if may_see_gomod(run):
                break  # a go.mod written by a heredoc COPY, copied from another stage, cloned...
            gc = next((g for g in run.go_commands if g.subcommand in ("build", "install", "test", "vet", "get")
                       and not g.gopath_mode and _local_packages(g)), None)
            if gc is None:
                continue
            v = stage.go_version
            where = f"Go {v}, from {v.source}" if v.known else "the current Go"
            yield ctx.report(
                gc.span,
                f"`go {gc.subcommand}` runs in module mode ({where}; modules are on by default since Go 1.16) but "
                f"the build context has no go.mod: it fails with \"go.mod file not found\"; commit a go.mod "
                f"(`go mod init`), or build this GOPATH tree with GO111MODULE=off on a pinned older Go (no fix: "
                f"there is no go.mod to copy, and which of the two is right is the owner's call)",
            )
            break


def _local_packages(gc) -> bool:
    """The command builds the tree it runs in (`go build`, `go get -d ./...`), not files or module paths."""
    pkgs = gc.packages
    if any(p.endswith(".go") for p in pkgs):
        return False  # `go build main.go`: works without go.mod for a program that imports only std
    return all(p.startswith((".", "/")) for p in pkgs)


def _opaque_before(stage) -> bool:
    """Files this rule cannot see arrive in an ancestor stage, or by COPY --from / remote ADD
    (each ancestor's answer once per file)."""
    return _opaque_copy(stage) or stage.parent is not None and bool(stage.parent.nearest("gdl210_opaque", _opaque_stage))


def _opaque_copy(st) -> bool:
    for ins in st.stage.instructions:
        if ins.keyword in ("COPY", "ADD") and ins.flag("from") is not None:
            return True
        if ins.keyword == "ADD" and any("://" in s or s.startswith("git@") for s in copy_sources(ins)):
            return True
    return False


def _opaque_stage(st) -> bool:
    return _opaque_copy(st) or any(_opaque_run(r) for r in st.runs)


def _opaque_run(run) -> bool:
    if any(g.subcommand == "mod init" for g in run.go_commands):
        return True
    return any(cmd.name.rsplit("/", 1)[-1] in OPAQUE_COMMANDS for cmd, _, _ in run.commands)


def _fix(ctx, stage, run):
    df = ctx.dockerfile
    context = ctx.facts.context
    files = ["go.mod"] + (["go.sum"] if context.has_go_sum else [])
    src = run.sources_copied_before
    if src is not None and ctx.facts.stage_of(src) is stage and not src.is_json and not src.flags:
        srcs = copy_sources(src)
        root_files = all(posixpath.dirname(posixpath.normpath(s)) in ("", ".") and not s.endswith("/")
                         and not (context.root / s).is_dir() for s in srcs)
        if srcs and root_files and ctx.facts.workdir_at(src) == run.workdir:
            at = src.args_span.start
            return Fix((replace_span(at, at, " ".join(files) + " "),), SAFE,
                       f"add {' and '.join(files)} to the COPY of line {src.line}")
    dest = "./" if workdir_set(ctx.facts, stage, run.instruction) else run.workdir.rstrip("/") + "/"
    return Fix((insert_lines_before(df, run.instruction, [f"COPY {' '.join(files)} {dest}"]),), SAFE,
               f"copy {' and '.join(files)} before the build", layout="changes")

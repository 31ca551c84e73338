"""The module is vendored, yet the Dockerfile downloads every module anyway.

With `vendor/modules.txt` in the build context and `go 1.14` or later in
go.mod, go builds from `vendor/` (`-mod=vendor` is the default) and never
needs the module cache. A `go mod download` step (with its
`COPY go.mod go.sum ./`) still fetches every module from the network on every
cold build: minutes and a network dependency for nothing, and a build that
fails when the proxy is unreachable although everything it needs is in the
context.

Context-aware: it reads `vendor/modules.txt`, go.mod and `.dockerignore`
from the build context and stays silent without one. Decisions: when
`.dockerignore` excludes `vendor/` the image does not see it, so downloading
is right and nothing is reported; a stage that builds with `-mod=mod` (flag
or GOFLAGS) ignores `vendor/` and needs the download; with go older than 1.14
in go.mod, vendoring is not the default and the rule only applies when the
stage builds with `-mod=vendor`.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -mod=vendor -o /out/app .
```

Fix (safe): removes the download step: the RUN when `go mod download` is its
only command (else just that command and its `&&`), and the
`COPY go.mod go.sum ./` feeding it when a later COPY of the whole tree brings
go.mod in again.
"""

from __future__ import annotations

import posixpath

from godockerlint.analysis.words import copy_sources
from godockerlint.analysis.buildcontext import version_tuple
from godockerlint.fix.commandedits import remove_command
from godockerlint.fix.edits import delete_instruction
from godockerlint.core.findings import SAFE, Fix

CODE = "GDL107"
NAME = "vendored-but-downloading"
SEVERITY = "info"
FIX = "safe"
SUMMARY = "vendor/modules.txt is in the context, yet the Dockerfile runs `go mod download`."
CONTEXT = True
# Extra files of the build context the docstring examples are linted with (tests/test_rule_docs.py).
EXAMPLE_CONTEXT = {"vendor/modules.txt": "# github.com/google/uuid v1.6.0\n## explicit\ngithub.com/google/uuid\n"}


def check(ctx):
    context = ctx.facts.context
    if context is None or not context.has_vendor:
        return
    if context.excluded("vendor/modules.txt"):
        return
    gm = context.go_mod
    version = version_tuple(gm.go if gm else None)
    default_vendor = version is not None and version >= (1, 14)
    for sf in ctx.facts.stages:
        commands = sf.go_commands
        if any(_mod(g) == "mod" for g in commands):
            continue
        if not default_vendor and not any(_mod(g) == "vendor" for g in commands):
            continue
        for gc in commands:
            if gc.subcommand != "mod download":
                continue
            why = f"go {gm.go} in go.mod" if default_vendor else "-mod=vendor"
            yield ctx.report(
                gc.span,
                f"vendor/modules.txt is in the build context and go builds from vendor/ ({why}): "
                f"`go mod download` fetches every module for nothing; remove the download step",
                fix=_fix(ctx, sf, gc),
            )


def _mod(gc) -> str | None:
    if "mod" in gc.flags:
        return gc.flags["mod"]
    goflags = gc.setting("GOFLAGS") or ""
    for w in goflags.split():
        if w.lstrip("-").startswith("mod="):
            return w.split("=", 1)[1]
    return None


def _fix(ctx, sf, gc) -> Fix | None:
    df = ctx.dockerfile
    run = gc.run
    top = [c for c, _, _ in run.commands if c.nested_in is None]
    if len(top) == 1 and top[0] is gc.command:
        edits = [delete_instruction(df, run.instruction)]
        copy = run.gomod_copied_before
        if copy is not None and copy.stage == sf.index and _only_module_files(copy) and _tree_copied_after(sf, run):
            edits.insert(0, delete_instruction(df, copy))
    else:
        edit = remove_command(ctx.facts, run, gc.command)
        if edit is None:
            return None
        edits = [edit]
    return Fix(tuple(edits), SAFE, "remove the module download step (the build uses vendor/)")


def _only_module_files(ins) -> bool:
    return all(posixpath.basename(s.rstrip("/")) in ("go.mod", "go.sum") or s in ("go.*",) for s in copy_sources(ins))


def _tree_copied_after(sf, run) -> bool:
    after = False
    for ins in sf.stage.instructions:
        if ins is run.instruction:
            after = True
            continue
        if after and ins.keyword in ("COPY", "ADD") and ins.flag("from") is None:
            if any(posixpath.normpath(s) in (".", "*") or s in ("./", "/") for s in copy_sources(ins)):
                return True
    return False

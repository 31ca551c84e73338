"""A go.work file reaches the build, which then builds in workspace mode.

`go.work` is a developer's local workspace: it points go at sibling modules
checked out next to this one (`use ../lib`) so that local edits are picked up
without changing go.mod. When it is copied into the image, go finds it above
or in the working directory and builds in workspace mode: against the
workspace modules instead of the versions go.mod requires (a binary nobody can
reproduce from the commit), or fails with "directory ../lib does not exist"
because the sibling is outside the build context.

Context-aware: it reads `go.work` and `.dockerignore` from the build context
and stays silent without one. It reports the first go command of a stage
that can see go.work: the whole context was copied (`COPY . .`, `COPY * ...`)
or bind-mounted, or go.work itself was copied, with no GOWORK setting in
effect. Decisions: `.dockerignore` excluding `go.work` settles it; any explicit
`GOWORK` (`off`, or a path: a deliberate workspace build) and a stage that runs
`go work ...` commands (it works on the workspace on purpose) are not flagged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
ENV GOWORK=off
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Fix (safe): inserts `ENV GOWORK=off` before the RUN, so go ignores go.work
and builds the module as go.mod says. (Adding `go.work` and `go.work.sum` to
`.dockerignore` does the same for every Dockerfile of the repository.)
"""

from __future__ import annotations

import posixpath

from godockerlint.analysis.words import copy_sources
from godockerlint.fix.edits import insert_lines_before
from godockerlint.core.findings import SAFE, Fix

CODE = "GDL108"
NAME = "go-work-in-context"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "go.work is in the build context and not ignored: the image builds in workspace mode."
CONTEXT = True
# Extra files of the build context the docstring examples are linted with (tests/test_rule_docs.py).
EXAMPLE_CONTEXT = {"go.work": "go 1.25\n\nuse (\n\t.\n\t../shared\n)\n"}


def check(ctx):
    context = ctx.facts.context
    if context is None or not context.has_go_work:
        return
    if context.excluded("go.work"):
        return
    for sf in ctx.facts.stages:
        if any(g.subcommand.startswith("work ") or g.subcommand == "work" for g in sf.go_commands):
            continue
        copied = any(_brings_go_work(ins) for anc in reversed(sf.ancestors) for ins in anc.stage.instructions)
        done = False
        for ins in sf.stage.instructions:
            if _brings_go_work(ins):
                copied = True
            if ins.keyword != "RUN":
                continue
            run = ctx.facts.run_of(ins)
            if run is None or not run.go_commands:
                continue
            sees = copied or any(_bind_brings_go_work(m) for m in run.bind_mounts)
            if not sees:
                continue
            for gc in run.go_commands:
                if not (gc.compiling or gc.fetching or gc.subcommand.startswith(("mod", "list"))):
                    continue
                if gc.setting("GOWORK") is not None:
                    continue
                yield ctx.report(
                    gc.span,
                    f"go.work from the build context is visible to `go {gc.subcommand}`: it builds in workspace "
                    f"mode, against the workspace modules instead of go.mod's requirements; set `ENV GOWORK=off` "
                    f"(or add go.work to .dockerignore)",
                    fix=Fix((insert_lines_before(ctx.dockerfile, ins, ["ENV GOWORK=off"]),), SAFE,
                            "insert `ENV GOWORK=off` before the build"),
                )
                done = True
                break
            if done:
                break


def _brings_go_work(ins) -> bool:
    if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or ins.heredocs:
        return False
    for s in copy_sources(ins):
        norm = posixpath.normpath(s.lstrip("/")) if s not in ("", "/") else "."
        if norm in (".", "*", "go.*", "go.work", "go.work*"):
            return True
    return False


def _bind_brings_go_work(m) -> bool:
    if m.from_:
        return False
    src = posixpath.normpath(m.source or ".")
    return src in (".", "/", "go.work")

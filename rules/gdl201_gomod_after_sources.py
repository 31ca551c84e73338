"""The first module download of a Go stage runs after the source tree is copied in.

BuildKit reuses a layer only while every input before it is unchanged. When
`COPY . .` (or a COPY of a folder holding `.go` files) comes before the first
go command that downloads modules, any edit to any source file invalidates
that layer and every one after it: each rebuild downloads every module again
(minutes behind a slow mirror) and recompiles them.

The remedy is a dependency step before the sources: copy (or bind-mount) only
`go.mod` and `go.sum` and run `go mod download`; that layer changes only when
the dependencies do. A RUN that downloads modules before any source copy counts
as the dependency step; so does one inherited from a parent stage
(`FROM deps AS build`). Without a build context, `.`, `*`, `*.go` and the
conventional package folders (`cmd`, `internal`, `pkg`, `src`, `app`, `api`,
`server`) are taken to be sources; with one, any folder holding `.go` files. When the build context's go.mod
requires no module, there is nothing to download and the rule is silent.

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
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/app .
```

Fix (safe): inserts the dependency step just before the source COPY. The
bind-mount form (`RUN --mount=type=cache,... --mount=type=bind,source=go.mod,...
go mod download`) is used when the file already uses `RUN --mount` or the
configuration says `download-step: bind`; otherwise, and always with
`ci-cache: ephemeral` (modules must land in a layer), the
`COPY go.mod go.sum ./` + `RUN go mod download` form (just the RUN when go.mod
was already copied). `go.sum` is left out when the build context has none.
"""

from __future__ import annotations

import posixpath

from godockerlint.analysis import copy_destination, copy_sources
from godockerlint.edits import insert_lines_before
from godockerlint.findings import SAFE
from godockerlint.rewrite_templates import LazyFix

CODE = "GDL201"
NAME = "gomod-after-sources"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "go.mod is copied after the sources: every source edit re-downloads every module."


def check(ctx):
    from godockerlint.stageinputs import gopath_tree

    if gopath_tree(ctx.facts):
        return  # no go.mod to copy first (one made by `go mod init` in the build is GDL105's business)
    for stage in ctx.facts.stages:
        for run in stage.runs:
            fetching = run.fetching_commands
            if not fetching:
                continue
            if run.deps_ready_before is not None or run.is_dependency_step:
                break
            src = run.sources_copied_before
            if src is None:
                break
            gc = fetching[0]
            message = (
                f"`go {gc.subcommand}` downloads modules after the sources are copied "
                f"(line {src.span.line}) with no dependency step before: every source edit "
                f"re-downloads every module; copy go.mod and go.sum and run `go mod download` first"
            )
            yield ctx.report(gc.span, message, fix=_fix(ctx, src, run))
            break


def uses_mounts(df) -> bool:
    return any(i.keyword == "RUN" and i.mounts for i in df.instructions)


def _fix(ctx, src, run):
    df = ctx.dockerfile
    values = dependency_step(ctx, src, run)
    name = values.pop("template")

    def edits():
        from godockerlint.rewrite_templates import render_lines

        return [insert_lines_before(df, src, render_lines(name, **values))]

    return LazyFix(edits, SAFE, "insert a go.mod/go.sum dependency step before the sources")


def dependency_step(ctx, src, run, comment=()) -> dict:
    """The template (dependency_step_bind.j2 or dependency_step_copy.j2) and its values for a
    dependency step inserted before `src`, the COPY of the sources (also used by the rewriter)."""
    from godockerlint.rewrite_templates import Style

    df = ctx.dockerfile
    settings = ctx.settings
    workdir = ctx.facts.workdir_at(src)
    target_dir = _module_root(ctx, src, run, workdir)
    files = ["go.mod"]
    context = ctx.facts.context
    if context is None or context.has_go_sum:
        files.append("go.sum")
    form = settings.download_step
    if settings.ci_cache == "ephemeral":
        form = "copy"
    elif form == "auto":
        form = "bind" if uses_mounts(df) else "copy"
    cd = "" if target_dir == workdir else f"cd {target_dir} && "
    if form == "copy":
        where = "./" if target_dir == workdir else target_dir.rstrip("/") + "/"
        # go.mod already copied before the sources: only the download is missing
        copy = not (run.gomod_copied_before is not None and run.gomod_copied_before.span.start < src.span.start)
        return dict(template="dependency_step_copy.j2", files=files, dest=where, cd=cd, copy=copy,
                    comment=list(comment))
    style = Style.of(df)
    prefix = "" if target_dir == workdir else target_dir.rstrip("/") + "/"
    uid = gid = None
    user = run.user
    if user and user.split(":", 1)[0] not in ("root", "0"):
        u, _, g = user.partition(":")
        if u.isdigit() and (not g or g.isdigit()):
            uid, gid = u, g or u
    return dict(template="dependency_step_bind.j2", files=files, prefix=prefix, cd=cd,
                gomodcache=run.resolve_gomodcache(), uid=uid, gid=gid, cont=style.cont, ci=style.continuation,
                comment=list(comment))


def _module_root(ctx, src, run, workdir: str) -> str:
    """Where go.mod belongs: where the whole tree is copied, where go.mod already went, or WORKDIR."""
    whole_tree = any(posixpath.normpath(x) in (".", "*") for x in copy_sources(src))
    gomod = run.gomod_copied_before
    if whole_tree:
        ins = src
    elif gomod is not None:
        ins = gomod
    else:
        return workdir
    dest = copy_destination(ins)
    return posixpath.normpath(posixpath.join(ctx.facts.workdir_at(ins), dest))

"""The module download step sees more than go.mod and go.sum.

The point of a separate download step (`go mod download` before the sources)
is a layer whose inputs are only `go.mod` and `go.sum`, so BuildKit reuses it
until the dependencies change. Three ways to lose that:

- the download RUN bind-mounts the whole context (`--mount=type=bind,target=.`)
  or a folder of sources: the bind is part of the RUN's cache key, so any edit
  to any file reruns the download (and, without a module cache mount, fetches
  every module again);
- a `go mod download` RUN comes after the source COPY although an earlier
  dependency step has already downloaded the modules: it reruns on every
  source edit and does nothing useful (when no dependency step precedes it,
  GDL201 reports it instead);
- the download RUN binds `go.mod` but not `go.sum` while the context has a
  `go.sum`: go downloads without checking the committed checksums, and the
  dependency layer misses the file that pins them.

Only download steps are judged: RUNs whose go commands are all
`go mod download` / `go mod verify`. A build RUN that binds the whole context
is an ordinary build. The `go.sum` check needs the build context; without one it
is skipped.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,target=. \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -o /out/app .
```

Fix (safe, when the RUN runs nothing but go commands and `cd`): a whole-context bind
becomes two binds of exactly `go.mod` and `go.sum` (`go.sum` only when the
context has one); with `ci-cache: ephemeral` (modules must land in a layer)
the bind is removed and `COPY go.mod go.sum <dir>/` is inserted before the RUN
instead. A missing `go.sum` bind is added next to the `go.mod` one. A
redundant `go mod download` RUN after the sources is deleted.
"""

from __future__ import annotations

import posixpath

from godockerlint.fix.cachemounts import flag_removal_span
from godockerlint.fix.edits import delete_instruction, insert_lines_before, replace_span
from godockerlint.core.findings import SAFE, Fix

CODE = "GDL206"
NAME = "download-step-inputs"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "The module download step sees more than go.mod and go.sum, so source edits rerun it."

DOWNLOAD = frozenset({"mod download", "mod verify"})
ROOT_SOURCES = frozenset({"", ".", "./", "/"})


def check(ctx):
    for stage in ctx.facts.stages:
        if not stage.is_go:
            continue
        for run in stage.runs:
            gcs = run.go_commands
            pure = bool(gcs) and all(g.subcommand in DOWNLOAD for g in gcs)
            if not pure:
                continue
            only_go = all(cmd.name in ("cd", "set") or any(g.command is cmd for g in gcs)
                          for cmd, _, _ in run.commands)
            if pure and run.sources_copied_before is not None and run.deps_ready_before is not None:
                src = run.sources_copied_before
                dep = run.deps_ready_before
                where = f"line {dep.instruction.line}" if dep.stage is stage else f"stage {dep.stage.label}"
                yield ctx.report(
                    gcs[0].span,
                    f"`go {gcs[0].subcommand}` runs after the sources are copied (line {src.line}) and reruns on "
                    f"every source edit; the dependency step ({where}) already downloaded the modules: remove it",
                    fix=Fix((delete_instruction(ctx.dockerfile, run.instruction),), SAFE,
                            "delete the redundant download step") if only_go else None,
                    related=[(src, "the sources are copied here"), (dep.instruction, "the dependency step")],
                )
                continue
            for m in run.bind_mounts:
                if m.from_:
                    continue
                source = (m.source or "").strip()
                if source in ROOT_SOURCES or ctx.facts.is_source_path(source):
                    what = "the whole context" if source in ROOT_SOURCES else f"the source folder {source}"
                    files = _module_files(ctx, source if source not in ROOT_SOURCES else "")
                    yield ctx.report(
                        m.span,
                        f"the download step binds {what}: any file edit reruns it; bind exactly "
                        f"{' and '.join(posixpath.basename(f) for f in files)}",
                        fix=_bind_fix(ctx, run, m, files) if only_go else None,
                    )
            yield from _missing_go_sum(ctx, run)


def _module_files(ctx, folder: str) -> list[str]:
    """go.mod and (when the context has it, or is unknown) go.sum, as context paths under `folder`."""
    folder = posixpath.normpath(folder) if folder else ""
    folder = "" if folder == "." else folder.lstrip("/")
    gomod = posixpath.join(folder, "go.mod") if folder else "go.mod"
    gosum = posixpath.join(folder, "go.sum") if folder else "go.sum"
    context = ctx.facts.context
    if context is not None and not context.exists(gosum):
        return [gomod]
    return [gomod, gosum]


def _bind_fix(ctx, run, m, files):
    df = ctx.dockerfile
    target = m.target or "."
    tdir = "" if posixpath.normpath(target) == "." else target.rstrip("/") + "/"
    flag = next(f for f in run.instruction.flags if f.mount is m)
    if ctx.settings.ci_cache == "ephemeral":
        start, end = flag_removal_span(run.instruction, flag)
        dest = tdir or "./"
        line = f"COPY {' '.join(files)} {dest}"
        return Fix((insert_lines_before(df, run.instruction, [line]), replace_span(start, end, "")), SAFE,
                   f"copy exactly {' and '.join(files)} into a layer instead of binding the context")
    binds = [f"--mount=type=bind,source={f},target={tdir}{posixpath.basename(f)}" for f in files]
    return Fix((replace_span(m.span.start, m.span.end, " ".join(binds)),), SAFE,
               f"bind exactly {' and '.join(files)}")


def _missing_go_sum(ctx, run):
    context = ctx.facts.context
    if context is None:
        return
    binds = [m for m in run.bind_mounts if not m.from_ and m.source]
    for m in binds:
        source = posixpath.normpath(m.source.strip())
        if posixpath.basename(source) != "go.mod":
            continue
        folder = posixpath.dirname(source)
        gosum = posixpath.join(folder, "go.sum") if folder else "go.sum"
        if not context.exists(gosum.lstrip("/")):
            continue
        if any(posixpath.normpath(o.source.strip()) == gosum for o in binds):
            continue
        tdir = posixpath.dirname(m.target or "go.mod")
        target = posixpath.join(tdir, "go.sum") if tdir else "go.sum"
        flag = f" --mount=type=bind,source={gosum},target={target}"
        yield ctx.report(
            m.span,
            f"the download step binds {source} but not {gosum}, which the context has: go downloads "
            f"without checking the committed checksums; bind {gosum} too",
            fix=Fix((replace_span(m.span.end, m.span.end, flag),), SAFE, f"bind {gosum} next to {source}"),
        )

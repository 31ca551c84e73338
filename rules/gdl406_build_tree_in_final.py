"""The final stage ships the build tree, or runs the Go toolchain at start.

A multi-stage build exists to leave the compiler, the module cache and the
sources behind. Copying them into the final stage undoes it:

- `COPY --from=build / /` copies the whole build filesystem: the toolchain
  (~500 MB), the module cache, the sources;
- `COPY --from=build /go /go` (or any folder holding the effective GOMODCACHE)
  ships every downloaded module, and `/usr/local/go` the toolchain;
- copying the build stage's source folder (where `COPY . .` put the sources,
  e.g. `/src`), or the context's source tree into a runtime stage, ships the
  code, its `.git` when not ignored, and any secret lying in the tree;
- `CMD ["go", "run", "."]` or `ENTRYPOINT go run main.go` compiles at every
  container start: slow starts, a toolchain in production, and a start that
  fails when the module proxy cannot be reached (a test image's
  `CMD ["go", "test", "./..."]` is its purpose, not a finding).

Paths are judged against what the build stage did: its WORKDIR and the
destination of its source COPY, the folder where a `go build` of `.` ran
(sources fetched with `go get` or `git clone` in GOPATH-era files), its effective GOMODCACHE (from its GOPATH or
GOMODCACHE), and `/usr/local/go`. Copying a file or folder inside them (the
binary `go build -o /src/app` wrote, `/go/bin` from `go install`) is fine. A
context copy into the final stage is flagged only when the final stage is not
itself a Go stage (a single-stage build needs its sources: GDL401 reports it)
and the copy is the whole tree or holds `.go` files.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src /src
ENTRYPOINT ["/src/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/app /app
ENTRYPOINT ["/app"]
```

No fix: which files the program needs at run time (templates, migrations,
static assets) is for its author to list; the message names the binary path
to copy instead when the build stage has a `go build -o` output.
"""

from __future__ import annotations

import posixpath

from godockerlint.analysis.words import copy_destination, copy_sources, covers
from godockerlint.parse.shell import split_commands

CODE = "GDL406"
NAME = "build-tree-in-final"
SEVERITY = "error"
FIX = "none"
SUMMARY = "The final stage copies a whole build stage, the module cache or the sources, or runs `go run` at start."

GOROOT = "/usr/local/go"


def check(ctx):
    facts = ctx.facts
    df = ctx.dockerfile
    final = facts.final
    for ins in final.stage.instructions:
        if ins.keyword in ("CMD", "ENTRYPOINT") and facts.final_needs.purpose is None:  # not a test image
            prog = _go_at_start(ins)
            if prog:
                yield ctx.report(ins, f"`{ins.keyword}` runs `{prog}` when the container starts: it compiles on every "
                                      f"start and needs the toolchain and the module proxy in production; build the "
                                      f"binary in a build stage and run it")
        if ins.keyword not in ("COPY", "ADD") or ins.heredocs:
            continue
        ref = ins.flag("from").value if ins.flag("from") else None
        if ref is None:
            if final.is_go:
                continue
            for src in copy_sources(ins):
                if _context_sources(facts, src):
                    yield ctx.report(ins, f"the final stage copies the source tree ({src}) from the build "
                                          f"context: it ships the code and whatever lies in it; copy only the "
                                          f"binary and the files it reads at run time")
                    break
            continue
        st = df.stage_by_ref(ref, before=final.index)
        if st is None:
            continue
        build = facts.stages[st.index]
        if not build.is_go:
            continue
        for src in copy_sources(ins):
            path = shown = posixpath.normpath("/" + src.strip().lstrip("/"))
            if path == "/*":
                path = "/"  # every top-level entry: the whole filesystem
            what = _what(facts, build, path)
            if what:
                outputs = [posixpath.join(g.run.workdir, g.output) for g in build.go_commands if g.output]
                instead = f" (`COPY --from={ref} {outputs[-1]} ...`)" if outputs else ""
                yield ctx.report(ins, f"the final stage copies {shown} from the Go stage {build.label}, {what}: "
                                      f"copy only the binary{instead} and the files it reads at run time")
                break


def _what(facts, build, path: str) -> str | None:
    if path == "/":
        return "its whole filesystem (toolchain, module cache, sources)"
    runs = build.runs
    modcache = runs[-1].resolve_gomodcache() if runs else posixpath.join(build.default_gopath("/root"), "pkg", "mod")
    if covers(path, modcache):
        return f"which holds the module cache ({modcache})"
    if covers(path, GOROOT) and build.toolchain_base:
        return f"which holds the Go toolchain ({GOROOT})"
    src_ins = build.sources_copied
    if src_ins is not None:
        dest = copy_destination(src_ins)
        srcdir = posixpath.normpath(posixpath.join(facts.workdir_at(src_ins), dest))
        if srcdir != "/" and covers(path, srcdir):
            return f"which holds the sources ({srcdir})"
    # where a go build of `.` ran (no `cd`): the sources were there, however they came (`go get`, a clone)
    for here, sub in _compiled_dirs(facts, build).items():
        if covers(path, here):
            return f"which holds the sources `go {sub}` compiled ({here})"
    return None


def _compiled_dirs(facts, build) -> dict[str, str]:
    """{folder: go subcommand} of the stage's go builds of `.` run without `cd` (once per stage)."""
    memo = facts.__dict__.setdefault("_gdl406_compiled", {})
    got = memo.get(build.index)
    if got is None:
        got = memo[build.index] = {}
        for g in build.go_commands:
            if g.subcommand not in ("build", "install") or any(p not in (".", "./...") for p in g.packages):
                continue
            if g.run.workdir != "/" and not any(cmd.name == "cd" for cmd, _, _ in g.run.commands):
                got.setdefault(g.run.workdir, g.subcommand)
    return got


def _context_sources(facts, src: str) -> bool:
    s = src.strip()
    norm = posixpath.normpath(s.lstrip("/")) if s not in ("", "/") else "."
    if norm in (".", "*", "./*") or norm.endswith(".go"):
        return True
    ctx = facts.context
    return ctx is not None and ctx.holds_go_sources(norm)


def _go_at_start(ins) -> str | None:
    if ins.is_json:
        argv = list(ins.json_args or ())
        if argv and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash") and len(argv) >= 3 and argv[1] == "-c":
            return _go_in_script(argv[2])
        if argv and argv[0].rsplit("/", 1)[-1] == "go":
            return " ".join(argv[:2])
        return None
    return _go_in_script(ins.args)


def _go_in_script(script: str) -> str | None:
    for cmd in split_commands(script):
        words = cmd.words
        if words and words[0].value.rsplit("/", 1)[-1] == "go" and len(words) > 1:
            return f"go {words[1].value}"
    return None


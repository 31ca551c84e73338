"""The whole build context goes into a Go stage, but .dockerignore does not keep .git out.

`COPY . .` (or `ADD .`, or a `RUN --mount=type=bind` of the whole context)
hashes every file of the context into the layer's cache key. Without a
`.dockerignore`, that includes `.git`: every commit, fetch, checkout or `git gc`
changes it, so the copy and every step after it (the whole Go build) rebuild
although no source changed, and hundreds of megabytes of history are sent to
the builder on every build. Go's VCS stamping (`-buildvcs=auto`) then looks at
a `.git` it may not be able to read (no git in the image, a read-only bind) and
fails with "error obtaining VCS status" (see GDL304).

This rule reads the build context: it stays silent without one. It checks
the `.dockerignore` of the context root, or the Dockerfile-specific
`<Dockerfile name>.dockerignore` next to it when that exists (BuildKit
prefers it). `.git` counts as excluded when a pattern matches it (`.git`,
`.git/`, `**/.git`, `.git*`). A `COPY --exclude=.git` (labs syntax) counts
too. Only stages that are Go stages are judged, and the finding is reported
once, at the first whole-context copy or bind. An existing `.dockerignore`
that lacks `.git` is flagged even when the context has no `.git` today:
the same Dockerfile is built from checkouts that do.

When the build itself reads the repository (`git describe`, `git rev-parse`,
`-buildvcs=true`), excluding `.git` would break it: the message then says to
pass the version in as a build argument first (rules.md revision 2).

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
COPY go.mod go.sum ./
RUN go mod download
COPY cmd/ cmd/
COPY internal/ internal/
RUN go build -o /out/app ./cmd/app
```

Anti-pattern (version from git; the message says to pass it as a build argument):

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -ldflags "-X main.version=$(git describe --tags --always)" -o /out/app .
```

(The anti-pattern is flagged when its context has no `.dockerignore`, or one
without `.git`.)

Fix: none (the rule would have to write another file); the message prints
the lines to add to `.dockerignore`.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from godockerlint.analysis.words import WHOLE_CONTEXT_VARS
from godockerlint.analysis.buildcontext import DockerIgnore

CODE = "GDL209"
NAME = "dockerignore-weak"
SEVERITY = "warning"
FIX = "none"
SUMMARY = "The whole context is copied into a Go stage and .dockerignore does not exclude .git."
CONTEXT = True

WHOLE = frozenset({".", "./", "*", "./*", "/", ""})


def check(ctx):
    context = ctx.facts.context
    if context is None:
        return
    where = _first_whole_context_use(ctx)
    if where is None:
        return
    ins, how = where
    name, ignore = _dockerignore(ctx, context)
    if ignore is not None and ignore.ignored(".git"):
        return
    git_use = _reads_git(ctx)
    if ignore is None:
        problem = "the context has no .dockerignore"
        lines = "`.git`, `Dockerfile*`, `.dockerignore` and your local build outputs"
        todo = f"create .dockerignore with {lines}"
    else:
        problem = f"{name} does not exclude .git"
        todo = f"add the line `.git` to {name}"
    if git_use is not None:
        todo = (f"the build reads .git ({git_use}), so first pass the version in as a build argument "
                f"(`ARG VERSION` used instead, `docker build --build-arg VERSION=$(git describe --tags --always)`) "
                f"and build with -buildvcs=false; then {todo[0].lower() + todo[1:]}")
    yield ctx.report(
        ins,
        f"{how} sends the whole context but {problem}: every git operation busts this layer and the Go build "
        f"after it, and VCS stamping can fail; {todo}",
    )


def _first_whole_context_use(ctx):
    for stage in ctx.facts.stages:
        if not stage.is_go:
            continue
        for ins in stage.stage.instructions:
            if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs:
                from godockerlint.analysis.words import copy_sources

                if any(_whole(s) for s in copy_sources(ins)):
                    if any(_excludes_git(x) for x in ins.flag_values("exclude")):
                        continue
                    return ins, f"`{ins.raw_keyword} {ins.args.strip()}`"
            elif ins.keyword == "RUN":
                for m in ins.mounts:
                    if m.type == "bind" and not m.from_ and _whole(m.source or ""):
                        return ins, f"the bind mount on {m.target or 'the working directory'}"
    return None


GIT_READ_RE = re.compile(r"\bgit\s+(?:-C\s+\S+\s+)?(describe|rev-parse|rev-list|log|show|symbolic-ref|status)\b")


def _reads_git(ctx) -> str | None:
    """How the build reads the repository's .git ("`git describe` on line 7", "-buildvcs=true on line 9")."""
    for stage in ctx.facts.stages:
        for run in stage.runs:
            ins = run.instruction
            texts = [ins.args] + [h.body for h in ins.heredocs]
            for t in texts:
                m = GIT_READ_RE.search(t)
                if m:
                    return f"`git {m.group(1)}` on line {ins.line}"
            for gc in run.go_commands:
                if gc.flags.get("buildvcs") == "true" or "-buildvcs=true" in (gc.setting("GOFLAGS") or ""):
                    return f"-buildvcs=true on line {ins.line}"
    return None


def _whole(src: str) -> bool:
    s = src.strip()
    if s in WHOLE_CONTEXT_VARS:
        return True
    return s in WHOLE or posixpath.normpath(s) == "."


def _excludes_git(pattern: str) -> bool:
    return DockerIgnore(pattern).ignored(".git")


def _dockerignore(ctx, context):
    """(file name, patterns) of the ignore file BuildKit uses, or (None, None)."""
    specific = Path(ctx.path).name + ".dockerignore"
    if ctx.path not in ("-", "") and (context.root / specific).is_file():
        try:
            text = (context.root / specific).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = None
        if text is not None:
            return specific, DockerIgnore(text)
    return ".dockerignore", context.dockerignore

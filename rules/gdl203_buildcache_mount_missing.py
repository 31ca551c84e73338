"""A RUN that compiles Go code has no cache mount on the build cache (GOCACHE).

`go build`, `go install`, `go test`, `go vet` and `go run` keep compiled
packages in GOCACHE. In an image layer that cache is thrown away whenever the
layer rebuilds, which for the build step is on every source edit: every build
recompiles every dependency and the standard library packages it uses, often
minutes. A BuildKit cache mount keeps it between builds, so only changed
packages compile.

The mount must cover the *effective* GOCACHE of that RUN: `GOCACHE` if set,
else `$XDG_CACHE_HOME/go-build`, else `$HOME/.cache/go-build` (for root,
`/root/.cache/go-build`; `USER` changes `$HOME`). A mount whose target looks
like a build cache but misses the effective one is GDL204's business.

A stage whose Go is older than 1.10 (the image tag, a distribution package or
a tarball says so) has no build cache: the finding is info, says "needs Go >=
1.10" and carries no fix.

Stages on a Windows base (nanoserver, servercore) are skipped: their paths
differ and Windows builds have no BuildKit cache mounts.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -o /out/app .
```

Fix (safe): adds `--mount=type=cache,target=<GOCACHE>` to the RUN (never to
a RUN that deletes or cleans it: `go clean -cache`, `rm -rf /root/.cache`; with the
numeric `uid`/`gid` of a non-root numeric USER). No fix, and the message says
why, when a named non-root USER is in effect (the mount's uid/gid are unknown,
and a mount without them belongs to root: GDL205), when `$HOME` or GOCACHE is
unknown, or on a Go without a build cache.
"""

from __future__ import annotations

from godockerlint.analysis import covers
from godockerlint.cachemounts import cache_mount_fix, looks_like, path_known, unknown_path_message

CODE = "GDL203"
NAME = "buildcache-mount-missing"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "A RUN that compiles Go code has no BuildKit cache mount on GOCACHE."


def check(ctx):
    for stage in ctx.facts.stages:
        if stage.windows:
            continue  # Windows containers: other paths, and no BuildKit cache mounts
        for run in stage.runs:
            compiling = [g for g in run.go_commands if g.compiling]
            if not compiling:
                continue
            gc = compiling[0]
            gocache = gc.gocache
            mounts = run.cache_mounts
            if any(covers(m.target, gocache) for m in mounts):
                continue
            if any(looks_like(m.target, "go-build") for m in mounts):
                continue  # a wrongly aimed build cache mount: GDL204
            needs = stage.go_version.needs("build cache")
            if needs:
                yield ctx.report(
                    gc.span,
                    f"`go {gc.subcommand}` recompiles every package on every build: Go {stage.go_version} "
                    f"({stage.go_version.source}) has no build cache; a GOCACHE cache mount {needs} (no fix: "
                    f"moving to a newer Go is the owner's call)",
                    severity="info",
                )
                continue
            if not path_known(run, gc, "GOCACHE"):
                yield ctx.report(gc.span, unknown_path_message(run, gc, "GOCACHE", "/root/.cache/go-build"))
                continue
            message = (
                f"`go {gc.subcommand}` has no cache mount on its build cache {gocache}: every build "
                f"recompiles every dependency; add `--mount=type=cache,target={gocache}`"
            )
            if run.removes(gocache, "cache"):
                message += " (no fix: this RUN deletes the build cache, which a cache mount must keep)"
                yield ctx.report(gc.span, message)
                continue
            fix, why = cache_mount_fix(ctx, run, gocache, "GOCACHE")
            yield ctx.report(gc.span, message + (f" (no fix: {why})" if why else ""), fix=fix)

"""A RUN that downloads modules has no cache mount on the module cache (GOMODCACHE).

Without `--mount=type=cache` on GOMODCACHE, modules live in an image layer:
when that layer is rebuilt (go.mod changed, an earlier layer changed), every
module is downloaded again, not just the new one. A BuildKit cache mount keeps
the module cache between builds on the same builder, so only new modules are
fetched.

The mount must cover the *effective* GOMODCACHE of that RUN: `GOMODCACHE` if
set, else the first GOPATH entry + `/pkg/mod`. Official `golang` images set
`GOPATH=/go`, so it is `/go/pkg/mod`; other bases (alpine + apk go, debian +
golang-go) use `$HOME/go/pkg/mod`, and `USER` changes `$HOME`. A mount on a
parent folder (`/go`, `/go/pkg`) covers it. HOME and the user come from the base image
where it is known (Red Hat go-toolset: HOME=/opt/app-root/src, so
`/opt/app-root/src/go/pkg/mod`); on a base image godockerlint does not know
(a company builder, `FROM ${BUILDER}` without default) the message says that
GOMODCACHE is unknown instead of asserting a path, and there is no fix. A mount whose target looks like a module cache
but misses the effective one is GDL204's business, not this rule's. When the build context's go.mod
requires no module, there is nothing to download and the rule is silent.

With `ci-cache: ephemeral` (a CI runner that keeps only the layer cache), cache
mounts are empty on every run, so modules must be downloaded into a layer by
the dependency step: the rule then asks for no mount, and instead flags a
GOMODCACHE cache mount on the dependency step or after it, which would hide the
downloaded layer and make go fetch everything again.

Stages on a Windows base (nanoserver, servercore) are skipped: their paths
differ and Windows builds have no BuildKit cache mounts.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
```

Nothing to fetch, nothing to say: the rule is silent when no go.mod can be
in the RUN's view (only `.go` files were copied, or the build context has no
go.mod anywhere: a single-file `go build main.go`), when the context's go.mod
requires nothing, when modules are vendored (`-mod=vendor`, `GOFLAGS=-mod=vendor`,
`vendor/modules.txt` with go >= 1.14, or `COPY vendor/ vendor/` when the context
is unknown) and with `GOPROXY=off`. GDL101 and GDL201 follow the same rule.

Best practice (parent folder):

```dockerfile
ARG BUILDER=golang:1.25
FROM ${BUILDER} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg go mod download
```

Best practice (single-file build):

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY main.go .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/hello main.go
```

Best practice (vendored):

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
ENV GOFLAGS=-mod=vendor
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
```

Fix (safe): adds `--mount=type=cache,target=<GOMODCACHE>` to the RUN (with the
numeric `uid`/`gid` of a non-root numeric USER). When a named non-root USER is
in effect the fix is unsafe (its uid is unknown); when `$HOME` is unknown there
is no fix.
"""

from __future__ import annotations

from godockerlint.cachemounts import cache_mount_fix, looks_like, path_known, unknown_path_message
from godockerlint.analysis import covers

CODE = "GDL202"
NAME = "modcache-mount-missing"
SEVERITY = "warning"
FIX = "safe/unsafe"
SUMMARY = "A RUN that downloads modules has no BuildKit cache mount on GOMODCACHE."


def check(ctx):
    ephemeral = ctx.settings.ci_cache == "ephemeral"
    for stage in ctx.facts.stages:
        if stage.windows:
            continue  # Windows containers: other paths, and no BuildKit cache mounts
        layered = False  # ephemeral: the dependency step has put modules in a layer
        for run in stage.runs:
            if run.is_dependency_step and ephemeral:
                layered = True
            fetching = run.fetching_commands
            if ephemeral:
                if not (layered or run.deps_ready_before is not None):
                    continue
                for m in run.cache_mounts:
                    target = run.resolve_gomodcache()
                    if covers(m.target, target):
                        yield ctx.report(
                            m.span,
                            f"cache mount on {m.target} hides the modules the dependency step downloaded "
                            f"into a layer (ci-cache: ephemeral): go fetches them again; remove it",
                        )
                continue
            if not fetching:
                continue
            gc = fetching[0]
            modcache = gc.gomodcache
            mounts = run.cache_mounts
            if any(covers(m.target, modcache) for m in mounts):
                continue
            if any(looks_like(m.target, "pkg/mod") for m in mounts):
                continue  # a wrongly aimed module cache mount: GDL204
            if not path_known(run, gc, "GOMODCACHE"):
                yield ctx.report(gc.span, unknown_path_message(run, gc, "GOMODCACHE", "/go/pkg/mod"))
                continue
            message = (
                f"`go {gc.subcommand}` has no cache mount on its module cache {modcache}: "
                f"modules are downloaded again whenever this layer rebuilds; add "
                f"`--mount=type=cache,target={modcache}`"
            )
            yield ctx.report(gc.span, message, fix=cache_mount_fix(ctx, run, modcache, "GOMODCACHE"))

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

After a RUN that downloaded the modules into a layer (the dependency step
`COPY go.mod go.sum` + `RUN go mod download`, or a first build), later go
commands of the stage and of stages built on it find them there: they are not
reported. The finding is on that first download ("when go.mod changes, every
module is downloaded again"). A final stage whose product is the downloaded
modules (it ends with the dependency step: a base image for other builds) is
not reported: a cache mount would leave its layer empty. Nor is the dependency
step of an image whose purpose is the toolchain and whose command runs it (`go
test` at start, a live-reload dev server such as air; see GDL401): go runs in it
after the build and needs those modules; a
tool install before that step is reported without a fix, since the fix would
mount the step too.

With `ci-cache: ephemeral` (a CI runner that keeps only the layer cache), cache
mounts are empty on every run, so modules must be downloaded into a layer by
the dependency step: that layout is the recommended one and is not reported;
instead the rule flags a GOMODCACHE cache mount on the dependency step or after
it, which would hide the downloaded layer and make go fetch everything again.

Stages on a Windows base (nanoserver, servercore) are skipped: their paths
differ and Windows builds have no BuildKit cache mounts.

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
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod go build -o /out/app .
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

Fix (safe): adds `--mount=type=cache,target=<GOMODCACHE>` to the RUN, and to
every later RUN of the stage and of the stages built on it that runs go or may
(`make`, `./build.sh`, `task`, `mage`, `goreleaser`): once the modules are in
a cache mount, a RUN without it finds none. The mount gets the numeric
`uid`/`gid` of a non-root numeric USER; with a named non-root USER there is
no fix (the mount's uid/gid are unknown, and a mount without them belongs to
root: GDL205), nor when `$HOME` is unknown; the message says why. No fix
either when one of those RUNs deletes or cleans the module cache (`rm -rf
$GOPATH`, `go clean -modcache`: a cache mount must not be emptied by the
build) or sees another GOMODCACHE; the modules then stay in the layer.
"""

from __future__ import annotations

from godockerlint.fix.cachemounts import later_go_runs, looks_like, modcache_fix, path_known, unknown_path_message
from godockerlint.analysis.words import covers

CODE = "GDL202"
NAME = "modcache-mount-missing"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "A RUN that downloads modules has no BuildKit cache mount on GOMODCACHE."


def check(ctx):
    ephemeral = ctx.settings.ci_cache == "ephemeral"
    facts = ctx.facts
    covered: dict = {}  # RUNs an earlier finding's fix already mounts -> the line of that finding's RUN
    where_at_end: dict = {}  # stage index -> "layer" / "mount" / None: where its modules are
    for stage in facts.stages:
        if stage.windows:
            continue  # Windows containers: other paths, and no BuildKit cache mounts
        layered = False  # ephemeral: the dependency step has put modules in a layer
        where = where_at_end.get(stage.parent.index) if stage.parent is not None else None
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
                where = "mount"
                continue
            if any(looks_like(m.target, "pkg/mod") for m in mounts):
                continue  # a wrongly aimed module cache mount: GDL204
            if where == "layer":
                continue  # an earlier RUN downloaded the modules into a layer: they are there
            in_place = _module_in_place(facts, run)
            step = run.is_dependency_step and in_place
            if in_place:
                where = "layer"  # the module's requirements are in this layer now (not a tool's modules)
            if (step or _downloads(run)) and _product(facts, stage, run):
                continue  # the stage's product is the downloaded modules (a base image for other builds)
            if not path_known(run, gc, "GOMODCACHE"):
                yield ctx.report(gc.span, unknown_path_message(run, gc, "GOMODCACHE", "/go/pkg/mod"))
                continue
            by = covered.get(id(run.instruction))
            keeper = _keeps_modules(facts, stage)
            if keeper and any(_downloads(r) for r in later_go_runs(facts, run)):
                fix, why = None, (f"no fix: the image runs go after it is built, since {keeper}; the fix would "
                                  f"move the modules its `go mod download` keeps in the image into a cache mount")
            else:
                fix, why = ((None, f"no fix here: the fix on line {by} adds this mount") if by is not None
                            else modcache_fix(ctx, run, modcache, covered))
            if step:
                message = (
                    f"`go {gc.subcommand}` downloads the modules into a layer: when go.mod changes, every module is "
                    f"downloaded again; add `--mount=type=cache,target={modcache}` here and on the RUNs after it "
                    f"that run go"
                )
            else:
                message = (
                    f"`go {gc.subcommand}` has no cache mount on its module cache {modcache}: "
                    f"modules are downloaded again whenever this layer rebuilds; add "
                    f"`--mount=type=cache,target={modcache}`"
                )
            yield ctx.report(gc.span, message + (f" ({why})" if why else ""), fix=fix)
        where_at_end[stage.index] = where


def _downloads(run) -> bool:
    """Does the RUN download the module's requirements on purpose (`go mod download`)?"""
    return any(g.subcommand == "mod download" for g in run.go_commands)


def _keeps_modules(facts, stage) -> str | None:
    """Why the image itself needs the modules in its layers (a test, CI or dev image of the toolchain
    that runs go after the build: `go test` at start, air), when `stage` is the final stage or one it is
    built on; else None."""
    final = facts.final
    if not final.is_go or stage not in facts.final_chain_set:
        return None
    needs = facts.final_needs
    return needs.purpose if needs.entry_ins is not None else None  # not a bare build stage without CMD


def _product(facts, stage, run) -> bool:
    """Is this dependency step the product of the final stage (nothing after it runs go), or the
    module cache of an image that runs go itself later (_keeps_modules)?"""
    if _keeps_modules(facts, stage):
        return True
    if stage is not facts.final:
        return False
    return not any(r.may_run_go for r in stage.runs[stage.runs.index(run) + 1:])


def _module_in_place(facts, run) -> bool:
    """Is the module's go.mod where this RUN runs (copied explicitly, which fails without one, or with the
    source tree of a context that has one)? Then its downloads are the module's requirements."""
    if run.gomod_copied_before is not None or run.binds_gomod:
        return True
    ctx = facts.context
    return bool(run.sources_copied_before or run.binds_sources) and (ctx is None or ctx.go_mod is not None)

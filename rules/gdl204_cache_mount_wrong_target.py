"""A Go cache mount is aimed at a folder go never uses.

A `--mount=type=cache` whose target looks like a Go module cache (`.../pkg/mod`)
or build cache (`.../go-build`) but does not cover the *effective* GOMODCACHE
or GOCACHE of that RUN is dead weight: go writes its modules or compiled
packages somewhere else (into the layer, thrown away on every rebuild), the
mount stays empty, and the Dockerfile looks cached when it is not. The classic
case is `target=/root/go/pkg/mod` in an official `golang` image, where GOPATH
is `/go` and the module cache is `/go/pkg/mod`; or `target=/root/.cache/go-build`
after a `USER` or an `ENV GOCACHE=...` moved the build cache.

The effective paths follow the catalogue's shared definitions: `GOMODCACHE`,
else the first GOPATH entry + `/pkg/mod` (`/go` in official golang images,
`$HOME/go` elsewhere); `GOCACHE`, else `$XDG_CACHE_HOME/go-build`, else
`$HOME/.cache/go-build`; ENV, ARG, inline `VAR=x go ...` prefixes and
`go env -w` count. A mount is alive when it covers the cache of any go command
of its RUN (a RUN without go commands, in a Go stage, is judged by the stage's
environment). Mounts in stages that are not Go stages are not judged. When the
effective path depends on `$HOME` and `$HOME` is unknown (a numeric USER
without `ENV HOME`), or on an unresolved variable, nothing is reported. Mounts
that do not look like a Go cache (`/go`, `/root/.cache`) are not this rule's
business: GDL202/GDL203 flag the missing mount then.

Base images (rules.md revision 2): HOME and the user come from the base image
where godockerlint knows it (Red Hat go-toolset builders run as uid 1001 with
HOME=/opt/app-root/src, so GOMODCACHE is /opt/app-root/src/go/pkg/mod and
GOCACHE /opt/app-root/src/.cache/go-build); `FROM ${BUILDER}` resolves through
the ARG's default. On a base image it does not know (a company builder image,
an ARG without default) the effective paths are unknown and nothing is
reported: the mount may well be right.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
```

Anti-pattern (Red Hat go-toolset):

```dockerfile
FROM registry.access.redhat.com/ubi9/go-toolset:1.22 AS build
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build,uid=1001 go build -o /tmp/app .
```

Best practice (unknown builder image):

```dockerfile
FROM quay.io/acme/go-builder:2.3 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -o /out/app .
```

Fix (safe): retargets the mount to the effective path, keeping its other
options (keys are rewritten with canonical names: `dst` becomes `target`).
When another mount of the same RUN already covers that path, or with
`ci-cache: ephemeral` for a module cache mount on or after the dependency step
(where modules must stay in the layer), the dead mount is removed instead.
"""

from __future__ import annotations

import posixpath

from godockerlint.analysis.words import covers
from godockerlint.fix.cachemounts import flag_removal_span, looks_like, mount_text, path_known
from godockerlint.fix.edits import replace_span
from godockerlint.core.findings import SAFE, Fix
from godockerlint.parse.shell import expand

CODE = "GDL204"
NAME = "cache-mount-wrong-target"
SEVERITY = "error"
FIX = "safe"
SUMMARY = "A Go cache mount does not cover the effective GOMODCACHE/GOCACHE: it is dead weight."

KINDS = (
    ("pkg/mod", "GOMODCACHE"),
    ("go-build", "GOCACHE"),
)


def check(ctx):
    ephemeral = ctx.settings.ci_cache == "ephemeral"
    for stage in ctx.facts.stages:
        if not stage.is_go:
            continue
        layered = False
        for run in stage.runs:
            if run.is_dependency_step:
                layered = True
            mounts = run.cache_mounts
            for m in mounts:
                target = _target(run, m)
                if target is None:
                    continue
                for suffix, var in KINDS:
                    if not looks_like(target, suffix):
                        continue
                    paths = effective_paths(run, var)
                    if not paths or any(covers(target, p) for p in paths):
                        continue
                    want = paths[0]
                    covered = any(o is not m and covers(_target(run, o), want) for o in mounts)
                    drop = covered or (var == "GOMODCACHE" and ephemeral
                                       and (layered or run.deps_ready_before is not None))
                    if drop:
                        why = "another mount covers it" if covered else \
                            "with ci-cache: ephemeral the modules must stay in the layer"
                        todo = f"remove this mount ({why})"
                        start, end = flag_removal_span(run.instruction, _flag_of(run, m))
                        fix = Fix((replace_span(start, end, ""),), SAFE, f"remove the dead {var} mount on {target}")
                    else:
                        todo = f"retarget it to {want}"
                        fix = Fix((replace_span(m.span.start, m.span.end, mount_text(m, target=want)),), SAFE,
                                  f"retarget the {var} cache mount from {target} to {want}")
                    yield ctx.report(
                        m.span,
                        f"cache mount on {target} misses the effective {var} {want}: go never uses it, "
                        f"the mount is dead weight; {todo}",
                        fix=fix,
                    )
                    break


def effective_paths(run, var: str) -> list[str]:
    """The effective GOMODCACHE or GOCACHE of every go command of `run` ([] when unknown)."""
    sources = run.go_commands or [None]
    out = []
    for gc in sources:
        if not path_known(run, gc, var):
            return []  # an image whose defaults are unknown: the mount may well be right
        get = gc.setting if gc is not None else run.setting
        if var == "GOMODCACHE":
            path = run.resolve_gomodcache(gc)
            explicit = get("GOMODCACHE") or get("GOPATH") or run.stage.toolchain_base and \
                run.stage.default_gopath(run.home) == "/go"
        else:
            path = run.resolve_gocache(gc)
            explicit = get("GOCACHE") or get("XDG_CACHE_HOME")
        if not explicit and not run.home_known:
            return []
        if not path or "$" in path or not path.startswith("/"):
            return []
        if path not in out:
            out.append(path)
    return out


def _target(run, m) -> str | None:
    t = m.target
    if not t:
        return None
    if "$" in t:
        t = expand(t, lambda name: run.env.get(name))
        if not t or "$" in t:
            return None
    return posixpath.normpath(posixpath.join(run.workdir, t))


def _flag_of(run, m):
    return next(f for f in run.instruction.flags if f.mount is m)

"""Private modules are downloaded by a RUN that has no secret or SSH mount.

Modules matched by GOPRIVATE (or GONOPROXY) skip the module proxy: go fetches
them directly from their repositories with git, which needs credentials. A
RUN without `--mount=type=secret` or `--mount=type=ssh` has none, so the
download fails with "terminal prompts disabled" or "could not read Username".
Every other way to get credentials into that RUN leaks them: a build ARG or
ENV holding a token stays in the image history and the provenance, a COPY of
`.netrc` stays in a layer (GDL501). A secret mount exists only while the RUN
runs.

The rule looks at the RUNs that actually download modules: the first fetching
RUN of a stage chain (the dependency step) and any fetching RUN that comes
before one; builds that find every module in the cache after a dependency
step need no credentials. A module counts as private when GOPRIVATE or
GONOPROXY is set for that go command (ENV, ARG, inline, `go env -w`), or when
the configuration's `private:` globs match a requirement of go.mod in the build
context. Vendored builds and `GOPROXY=off` fetch nothing and are not judged.
A `go get` in GOPATH mode (the stage's Go and module mode come from the
analysis: Go 1.13-1.15 without go.mod in view, `GO111MODULE=off`) clones with
git too, private repositories included, and is judged like a download.

Anti-pattern (GOPATH mode):

```dockerfile
FROM golang:1.14
ENV GOPRIVATE=github.com/example-corp
WORKDIR /go/src/github.com/example-corp/app
COPY . .
RUN go get -d -v ./... && go install ./...
```

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
ENV GOPRIVATE=github.com/example-corp/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
ENV GOPRIVATE=github.com/example-corp/*
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download
```

Fix (unsafe: the build then needs `--secret id=netrc,src=$HOME/.netrc`):
adds `--mount=type=secret,id=netrc,target=<HOME>/.netrc` to the RUN, where
HOME follows the USER in effect (`/root` for root; `uid=` is added for a
numeric non-root USER, whose home must be set by `ENV HOME`). No fix when the
home directory or the uid is not known; the message says which.
"""

from __future__ import annotations

import fnmatch
import posixpath

from godockerlint.edits import insert_flag
from godockerlint.findings import UNSAFE, Fix

CODE = "GDL110"
NAME = "private-modules-without-secret"
SEVERITY = "warning"
FIX = "unsafe"
SUMMARY = "GOPRIVATE/private modules are fetched by a RUN with no secret or SSH mount for the credentials."


def check(ctx):
    facts = ctx.facts
    configured = _configured_private(ctx)
    for sf in facts.stages:
        for run in sf.runs:
            fetching = run.fetching_commands or [g for g in run.go_commands if _gopath_get(g)]
            if not fetching:
                continue
            if run.deps_ready_before is not None and run.deps_ready_before is not run:
                break  # modules come from the dependency step from here on
            if any(m.type in ("secret", "ssh") for m in run.instruction.mounts):
                continue
            for gc in fetching:
                setting = next(((n, gc.setting(n)) for n in ("GOPRIVATE", "GONOPROXY") if gc.setting(n)), None)
                if setting is not None:
                    why = f"`{setting[0]}={setting[1]}` is set"
                elif configured:
                    why = f"go.mod requires private module {configured[0]} (config `private:`)"
                else:
                    continue
                home = run.home.rstrip("/")
                target = f"{home}/.netrc"
                fix, refused = _fix(ctx, run, target)
                yield ctx.report(
                    gc.span,
                    f"{why} but `go {gc.subcommand}` runs without `--mount=type=secret` or `--mount=type=ssh`: "
                    f"private modules are fetched with git and need credentials; mount them as a secret "
                    f"(`--mount=type=secret,id=netrc,target={target}`), never as an ARG, ENV or COPY"
                    + (f" (no fix: {refused})" if refused else ""),
                    fix=fix,
                )
                break


def _gopath_get(gc) -> bool:
    """A `go get` in GOPATH mode (old Go, or no go.mod in view before 1.16): it clones the packages'
    repositories with git, private ones too."""
    return gc.subcommand == "get" and gc.gopath_mode and not gc.vendored and not gc.proxy_off


def _configured_private(ctx) -> list[str]:
    globs = tuple(ctx.settings.private)
    context = ctx.facts.context
    gm = context.go_mod if context is not None else None
    if not globs or gm is None:
        return []
    return [path for path, _ in gm.requires if match_prefix_patterns(globs, path)]


def match_prefix_patterns(globs, target: str) -> bool:
    """Go's GOPRIVATE matching: a glob matches a module path when it matches the path's leading elements."""
    for pattern in globs:
        pattern = pattern.strip().rstrip("/")
        if not pattern:
            continue
        n = pattern.count("/") + 1
        parts = target.split("/")
        if len(parts) < n:
            continue
        prefix = "/".join(parts[:n])
        if _path_match(pattern, prefix):
            return True
    return False


def _path_match(pattern: str, name: str) -> bool:
    p_parts, n_parts = pattern.split("/"), name.split("/")
    return len(p_parts) == len(n_parts) and all(fnmatch.fnmatchcase(n, p) for p, n in zip(p_parts, n_parts))


def _fix(ctx, run, target: str) -> tuple[Fix | None, str | None]:
    """(fix, why none is offered)."""
    user = run.user
    flag = f"--mount=type=secret,id=netrc,target={target}"
    if user and user.split(":", 1)[0] not in ("root", "0"):
        uid = user.split(":", 1)[0]
        if not uid.isdigit():
            return None, f"USER {user} is not numeric, so the secret's uid is unknown"
        if "HOME" not in run.env:
            return None, f"the home of USER {user} is not set with ENV HOME"
        flag += f",uid={uid}"
    elif not run.home_known:
        return None, "the home directory is not known"
    if posixpath.dirname(target) in ("", "."):
        return None, "the home directory is not known"
    return Fix((insert_flag(ctx.dockerfile, run.instruction, flag),), UNSAFE,
               f"mount the netrc secret at {target} (build with --secret id=netrc,src=$HOME/.netrc)"), None

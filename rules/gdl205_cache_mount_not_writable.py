"""A Go cache mount is owned by root while a non-root USER runs go.

BuildKit creates a cache mount owned by `uid=0,gid=0` with mode `0755` unless
the mount says otherwise. When a non-root `USER` is in effect (set in the stage
or inherited from a parent stage), go cannot write its module cache or build
cache there and the build fails with `mkdir /go/pkg/mod/cache: permission
denied` (or `open /home/app/.cache/go-build/...: permission denied`).

A "Go cache mount" is a `type=cache` mount that covers the effective
GOMODCACHE or GOCACHE of its RUN, or whose target looks like one (`.../pkg/mod`,
`.../go-build`), in a Go stage. The mount is taken to be writable when its
`uid` is the USER's numeric uid, when it has a `uid` and the USER is a name
(its uid is unknown: trusted), or when its `mode` lets others write (`0777`).
A `uid` that differs from a numeric USER's is flagged too. `USER root`,
`USER 0` and `USER 0:0` are root.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
USER 1000:1000
WORKDIR /tmp/src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
USER 1000:1000
WORKDIR /tmp/src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod,uid=1000,gid=1000 go mod download
```

Fix (safe, only when the USER is numeric and written without variables): sets
`uid=<uid>,gid=<gid>` on the mount (the gid defaults to the uid when the USER
has none). A named USER gets no fix: its uid is known only from the image's
passwd file; the message says so and what to add.
"""

from __future__ import annotations

from godockerlint.analysis import covers
from godockerlint.cachemounts import looks_like, mount_text, named_user_reason
from godockerlint.edits import replace_span
from godockerlint.findings import SAFE, Fix

CODE = "GDL205"
NAME = "cache-mount-not-writable"
SEVERITY = "error"
FIX = "safe"
SUMMARY = "A Go cache mount has no uid/gid while a non-root USER runs go: permission denied."


def check(ctx):
    for stage in ctx.facts.stages:
        if not stage.is_go:
            continue
        for run in stage.runs:
            user = (run.user or "").strip()
            if not user or "$" in user:
                continue
            uid, _, gid = user.partition(":")
            if uid in ("root", "0"):
                continue
            paths = _cache_paths(run)
            for m in run.cache_mounts:
                if not (looks_like(m.target, "pkg/mod") or looks_like(m.target, "go-build")
                        or any(covers(m.target, p) for p in paths)):
                    continue
                if _writable(m, uid):
                    continue
                numeric = uid.isdigit() and (not gid or gid.isdigit())
                want_gid = gid or uid
                owner = f"uid={m.uid}" if m.uid is not None else "no uid/gid"
                if numeric:
                    todo = f"add uid={uid},gid={want_gid}" if m.uid is None else f"set uid={uid},gid={want_gid}"
                else:
                    todo = f"add the uid and gid of user {uid} (uid=<n>,gid=<n>; no fix: {named_user_reason(user)})"
                belongs = "root" if m.uid is None else f"uid {m.uid}"
                message = (
                    f"cache mount on {m.target} has {owner} while USER {user} runs go: the mount belongs to "
                    f"{belongs} and go fails with permission denied; {todo}"
                )
                fix = None  # a named USER: `todo` says why
                if numeric and _user_written_with_variables(ctx, run):
                    message += " (no fix: the USER is written with a variable)"
                elif numeric:
                    fix = Fix((replace_span(m.span.start, m.span.end, mount_text(m, uid=uid, gid=want_gid)),),
                              SAFE, f"give the cache mount on {m.target} to {uid}:{want_gid}")
                yield ctx.report(m.span, message, fix=fix)


def _cache_paths(run) -> list[str]:
    paths = []
    for gc in run.go_commands or [None]:
        paths.append(run.resolve_gomodcache(gc))
        paths.append(run.resolve_gocache(gc))
    return paths


def _writable(m, uid: str) -> bool:
    mode = (m.mode or "").strip()
    if mode and mode[-1] in "2367":
        return True  # others may write
    if m.uid is None:
        return False
    if uid.isdigit():
        return m.uid.strip() == uid
    return True  # a named USER: its uid is unknown, trust the mount


def _user_written_with_variables(ctx, run) -> bool:
    """Is the USER in effect at this RUN written with a `$` variable?"""
    stage = run.stage
    upto = run.instruction
    while stage is not None:
        last = None
        for ins in stage.stage.instructions:
            if upto is not None and ins is upto:
                break
            if ins.keyword == "USER":
                last = ins
        if last is not None:
            return "$" in last.args
        stage, upto = stage.parent, None
    return False

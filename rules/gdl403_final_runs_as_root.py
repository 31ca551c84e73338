"""The final stage runs its Go binary as root.

With no `USER` (or `USER root` / `USER 0`) in effect, the program runs as uid
0 in the container: a remote-code-execution bug in it, or in any dependency,
gets root inside the container, can write anywhere in its filesystem, and is
one kernel or runtime bug away from root on the node. Kubernetes clusters with
`runAsNonRoot: true` or the `restricted` Pod Security Standard refuse to start
such a container at all.

The user in effect is the last `USER` of the final stage, following `FROM
<stage>` chains. With no `USER`, the base image's default user counts:
distroless images whose tag contains `nonroot` (`:nonroot`,
`:debug-nonroot`) and Chainguard images (`cgr.dev/chainguard/...`) run as
uid 65532 and are not flagged; every other base (scratch, alpine, debian,
distroless `:latest`/`:debug`) runs as root. Only final stages that run a Go
binary (a Go stage, or one that copies from a Go stage) are checked; a user
given by a build argument that expands to nothing is not judged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
```

Info ("starts as root by design"): the entrypoint drops privileges itself:

```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM alpine:3.19
RUN apk add --no-cache su-exec
COPY --from=build /out/app /app
ENTRYPOINT ["su-exec", "10001:10001", "/app"]
```

Accepted as non-root: a numeric USER set in the final stage, and a named USER
when the final stage copies a passwd file that defines it. An image that starts
as root and drops privileges itself (su-exec, gosu, s6, setpriv installed in
the final stage, in its ENTRYPOINT, or in the entrypoint script it copies from
the context) runs as root by design: info, no fix.

Fix (unsafe, distroless and scratch only, when no `USER` is given): `USER
65532:65532` is inserted before the first `CMD`/`ENTRYPOINT` of the stage (or
at its end): every distroless image has that user (`nonroot`), and the tag is
left as it is (a `:nonroot` tag would also move the working directory to
/home/nonroot); on scratch the same numeric user needs no passwd entry (it is
never looked up), and stays right when GDL405 moves the image to distroless. It
is refused, with the reason, when the image listens on a port below 1024 (a
non-root user cannot bind it on Kubernetes or containerd). An explicit `USER
root` is left alone (it was written on purpose: binding a port below 1024,
reading a root-only file...): the message says what to change. On other bases
there is no fix: the image may need a user created first (`adduser`).
"""

from __future__ import annotations

from godockerlint.analysis.baseimage import nonroot_by_default
from godockerlint.analysis.words import image_name
from godockerlint.fix.edits import insert_lines_before
from godockerlint.core.findings import UNSAFE, Edit, Fix

CODE = "GDL403"
NAME = "final-runs-as-root"
SEVERITY = "warning"
FIX = "unsafe"
SUMMARY = "The final stage runs as root (no USER, or USER root/0)."

NONROOT_USER = "65532:65532"  # distroless's nonroot; on scratch a numeric user needs no passwd entry


def check(ctx):
    facts = ctx.facts
    df = ctx.dockerfile
    final = facts.final
    base = final.root_base
    if not base or "$" in base or not final.runs_go_binary or final.windows:
        return  # Windows images run as ContainerUser by default
    needs = facts.final_needs
    user_ins = needs.user_ins
    user = final.user
    if user is not None:
        uid = user.split(":", 1)[0].strip()
        if not uid or uid not in ("root", "0"):
            return
    elif nonroot_by_default(base):
        return
    if needs.purpose is not None and final.is_go:
        return  # a test, lint, CI or debug image of the toolchain: not what runs in production
    if needs.privilege_drop:
        where = user_ins or final.stage.from_instruction
        yield ctx.report(where, f"the final stage starts as root by design: {needs.privilege_drop} drops "
                                f"privileges when the container starts; no fix: the image switches user itself",
                         severity="info")
        return
    low = needs.privileged_ports
    if user is not None:
        port = (f" (it listens on port {low[0]}: listen on a port >= 1024, or grant CAP_NET_BIND_SERVICE)"
                if low else "")
        yield ctx.report(
            user_ins,
            f"the final stage runs as {uid} (`USER {user}`): a compromised process owns the container and "
            f"runAsNonRoot pods refuse it; use a non-root numeric user such as {_suggested_user(base)}{port}; "
            f"no fix: `USER {user}` is written on purpose",
        )
        return
    distroless = "distroless" in image_name(base.lower())
    scratch = base.lower() == "scratch"
    if distroless or scratch:
        advice = f"add `USER {NONROOT_USER}`"
    else:
        advice = f"switch to an unprivileged numeric user: {_suggested_user(base)}"
    fix = None
    message = f"the final stage runs as root: no USER and {base} defaults to root; {advice}"
    if (distroless or scratch) and low:
        message += (f"; no fix: it listens on port {low[0]}, which a non-root user cannot bind on Kubernetes "
                    f"or containerd")
    elif distroless or scratch:
        fix = _fix(df, final, distroless)
    else:
        message += "; no fix: the user has to be created for the files the app owns"
    yield ctx.report(final.stage.from_instruction, message, fix=fix)


def _suggested_user(base: str) -> str:
    low = base.lower()
    if low == "scratch" or "distroless" in low or low.startswith("cgr.dev/"):
        return f"`USER {NONROOT_USER}`"
    return "`USER 10001:10001` (after `adduser`)"


def _fix(df, final, distroless: bool):
    line = f"USER {NONROOT_USER}"
    target = next((i for i in final.stage.instructions if i.keyword in ("CMD", "ENTRYPOINT")), None)
    if target is not None:
        edit = insert_lines_before(df, target, [line])
    else:
        last = final.stage.instructions[-1] if final.stage.instructions else final.stage.from_instruction
        at = df.lines.line_end(last.span.end_line)
        edit = Edit(at, at, df.newline + line)
    who = "distroless's nonroot user" if distroless else "a numeric user: scratch needs no passwd entry for it"
    return Fix((edit,), UNSAFE, f"add `{line}` ({who}): the program no longer runs as root")

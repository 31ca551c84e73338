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

Fix (safe, distroless only, when no `USER` is given): the tag becomes the
`nonroot` variant (`latest`/none -> `nonroot`, `debug` -> `debug-nonroot`;
a digest-pinned reference keeps its digest) and `USER 65532:65532` is inserted
before the first `CMD`/`ENTRYPOINT` of the stage (or at its end): distroless
images carry that user, and the binary needs no root to run. An explicit
`USER root` is left alone (it was written on purpose: binding a port below
1024, reading a root-only file...): the message says what to change. On other
bases there is no fix: the image may need a user created first (`adduser`), or
`USER 65534:65534` (nobody) on scratch.
"""

from __future__ import annotations

from godockerlint.analysis import image_name, image_tag
from godockerlint.edits import insert_lines_before, replace_span
from godockerlint.findings import SAFE, Edit, Fix
from godockerlint.shell import split_words

CODE = "GDL403"
NAME = "final-runs-as-root"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "The final stage runs as root (no USER, or USER root/0)."

NONROOT_USER = "65532:65532"


def nonroot_by_default(ref: str) -> bool:
    """Does this base image run as a non-root user when no USER is given?"""
    low = ref.lower()
    name = image_name(low)
    if "distroless" in name:
        return "nonroot" in (image_tag(low) or "")
    return name.startswith("cgr.dev/chainguard/")


def check(ctx):
    facts = ctx.facts
    df = ctx.dockerfile
    final = facts.final
    base = final.root_base
    if not base or "$" in base or not final.runs_go_binary or final.windows:
        return  # Windows images run as ContainerUser by default
    chain = list(reversed(final.ancestors)) + [final]
    user_ins = None
    for st in chain:
        for ins in st.stage.instructions:
            if ins.keyword == "USER":
                user_ins = ins
    user = final.user
    if user is not None:
        uid = user.split(":", 1)[0].strip()
        if not uid or uid not in ("root", "0"):
            return
        yield ctx.report(
            user_ins,
            f"the final stage runs as {uid} (`USER {user}`): a compromised process owns the container and "
            f"runAsNonRoot pods refuse it; use a non-root numeric user such as {_suggested_user(base)}",
        )
        return
    if nonroot_by_default(base):
        return
    distroless = "distroless" in image_name(base.lower())
    root_from = chain[0].stage.from_instruction
    fix = _fix(df, final, root_from) if distroless else None
    if distroless:
        advice = f"use the :nonroot tag and `USER {NONROOT_USER}`"
    else:
        advice = f"switch to an unprivileged numeric user: {_suggested_user(base)}"
    yield ctx.report(
        final.stage.from_instruction,
        f"the final stage runs as root: no USER and {base} defaults to root; {advice}",
        fix=fix,
    )


def _suggested_user(base: str) -> str:
    low = base.lower()
    if low == "scratch":
        return "`USER 65534:65534`"
    if "distroless" in low or low.startswith("cgr.dev/"):
        return f"`USER {NONROOT_USER}`"
    return "`USER 10001:10001` (after `adduser`)"


def _fix(df, final, root_from):
    edits = []
    words = split_words(root_from.args)
    if not words:
        return None
    ref = words[0].value
    if "$" not in ref and "@" not in ref:
        tag = image_tag(ref)
        new_tag = None
        if tag is None:
            new_tag = "nonroot"
        elif tag.startswith("latest"):
            new_tag = "nonroot" + tag[len("latest"):]
        elif tag.startswith("debug") and "nonroot" not in tag:
            new_tag = "debug-nonroot" + tag[len("debug"):]
        if new_tag is not None:
            new_ref = f"{ref.rsplit(':', 1)[0] if tag is not None else ref}:{new_tag}"
            start = root_from.text_offset(words[0].start)
            end = root_from.text_offset(words[0].end - 1) + 1
            edits.append(replace_span(start, end, new_ref))
    line = f"USER {NONROOT_USER}"
    target = next((i for i in final.stage.instructions if i.keyword in ("CMD", "ENTRYPOINT")), None)
    if target is not None:
        edits.append(insert_lines_before(df, target, [line]))
    else:
        last = final.stage.instructions[-1] if final.stage.instructions else final.stage.from_instruction
        at = df.lines.line_end(last.span.end_line)
        edits.append(Edit(at, at, df.newline + line))
    return Fix(tuple(edits), SAFE, f"switch to the nonroot variant and add `{line}`")

"""A binary built with `CGO_ENABLED=1` is shipped on a base whose libc it cannot use.

With cgo on, the binary is linked dynamically against the builder's C
library (glibc in Debian-based `golang` images, musl in alpine ones). A final
stage on `scratch`, distroless `static` or Chainguard `static` has no libc at
all, and alpine has musl, not glibc: the container dies at start with
`exec /app: no such file or directory` (the missing file is the dynamic
loader, `/lib64/ld-linux-x86-64.so.2`).

Fires for every `go build` / `go install` in a stage the final stage copies
from (`COPY --from=<stage>`) where `CGO_ENABLED=1` is set explicitly (ENV, ARG
default, inline prefix, `go env -w`), when the final base has no libc, or is
alpine while the builder is glibc-based. A musl builder feeding alpine,
builds linked with `-ldflags '-extldflags "-static"'`, and constant non-linux
GOOS are not flagged. The implicit case (CGO_ENABLED unset in a builder with
gcc) is GDL301.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=1 go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=1 go build -o /out/app .

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Fix (unsafe: another base image): the final base becomes the configured
cgo runtime image (`gcr.io/distroless/base-debian12:nonroot` by default, which
has glibc; use `cc-debian12` when the binary also needs libstdc++). No fix
when the final base comes from a variable or from another stage.
"""

from __future__ import annotations

from godockerlint.fix.edits import replace_span
from godockerlint.core.findings import UNSAFE, Fix
from godockerlint.rules.gdl301_cgo_implicit import runtime_problem

CODE = "GDL302"
NAME = "cgo-runtime-mismatch"
SEVERITY = "error"
FIX = "unsafe"
SUMMARY = "A CGO_ENABLED=1 binary runs on a final base without its libc (scratch, static, alpine)."


def check(ctx):
    from godockerlint.analysis.artifacts import shipped_builds

    facts = ctx.facts
    final = facts.final
    seen_runs = set()
    for gc in shipped_builds(facts):
        builder = gc.run.stage
        if not builder.is_go or id(gc.run) in seen_runs:
            continue
        if (gc.setting("CGO_ENABLED") or "").strip() != "1":
            continue
        problem = runtime_problem(builder, final, gc)
        if problem is None:
            continue
        seen_runs.add(id(gc.run))
        image = ctx.settings.final_image_cgo_on
        yield ctx.report(
            gc.span,
            f"`go {gc.subcommand}` builds with CGO_ENABLED=1, so the binary needs {builder.libc or 'a'} libc "
            f"at run time, but {problem}: it dies with \"no such file or directory\"; run it on {image} "
            f"(or build with CGO_ENABLED=0)",
            fix=_fix(ctx, final, image),
        )


def _fix(ctx, final, image):
    if final.parent is not None:
        return None
    from_ins = final.stage.from_instruction
    words = from_ins.args.split()
    if not words or "$" in words[0]:
        return None
    start = from_ins.text_offset(0)
    end = from_ins.text_offset(len(words[0]) - 1) + 1
    return Fix((replace_span(start, end, image),), UNSAFE,
               f"use {image} as the final base (unsafe: another base image, with a libc)")

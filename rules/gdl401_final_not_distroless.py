"""The final stage runs a Go binary on a base image other than distroless.

A Go binary needs no shell, no package manager and (built with CGO off) no
libc. Shipping it on the toolchain image (`FROM golang` last, or a single-stage
build) puts a compiler, the module cache and the sources in production: about
a gigabyte, and a large attack surface (error). On alpine, debian, ubuntu or
busybox it still ships a shell and a package manager that scanners flag and
attackers use (warning). `gcr.io/distroless/static*` (CGO off) and `base*`/`cc*`
(CGO on) hold only what the binary needs; bases listed in the configuration's
`allowed-final-images` (glob patterns such as `scratch` or
`cgr.dev/chainguard/static*`) are accepted too.

The final stage is the last one, or the `--target` stage. It "runs a Go
binary" when it is itself a Go stage (a toolchain base or go commands) or it
copies files from a Go stage (`COPY --from=<go stage>`). A final stage whose
base comes from a build argument with no default is not judged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Fix: for an alpine/debian/other final stage that has no RUN, no shell-form
CMD/ENTRYPOINT/HEALTHCHECK and installs no packages, the base is replaced
(safe) by `gcr.io/distroless/static-debian12:nonroot` for CGO-off builds or
`gcr.io/distroless/base-debian12:nonroot` when the build uses cgo (both
configurable with `final-image`); otherwise that replacement is unsafe (the
stage needs a shell). A toolchain final stage needs a split into build and
final stages: the rewriter does that with `--fix --unsafe-fixes`.
"""

from __future__ import annotations

import fnmatch

from godockerlint.analysis import image_name
from godockerlint.edits import replace_span
from godockerlint.findings import SAFE, UNSAFE, Fix
from godockerlint.settings import DEFAULT_ALLOWED_FINAL_IMAGES

CODE = "GDL401"
NAME = "final-not-distroless"
SEVERITY = "error"
FIX = "safe/unsafe"
SUMMARY = "The final stage runs a Go binary on a base other than distroless."
OPTIONS = {}


def allowed(ref: str, patterns) -> bool:
    name = image_name(ref)
    return any(fnmatch.fnmatchcase(ref, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def check(ctx):
    facts = ctx.facts
    final = facts.final
    base = final.root_base
    if not base or "$" in base:
        return
    patterns = DEFAULT_ALLOWED_FINAL_IMAGES + tuple(ctx.settings.allowed_final_images)
    if allowed(base, patterns):
        return
    from_ins = final.stage.from_instruction
    if final.is_go:
        where = "a single-stage build" if len(facts.stages) == 1 else f"the final stage {final.label}"
        yield ctx.report(
            from_ins,
            f"{where} ships {_toolchain(final, base)} to production: build in one stage and copy "
            f"the binary into {ctx.settings.final_image_cgo_off}",
            severity="error",
        )
        return
    go_sources = [ins for ins in final.stage.instructions
                  if ins.keyword in ("COPY", "ADD") and ins.flag("from") is not None
                  and _is_go_stage(facts, ins.flag("from").value, final.index)]
    if not go_sources:
        return
    cgo = _uses_cgo(facts)
    image = ctx.settings.final_image_cgo_on if cgo else ctx.settings.final_image_cgo_off
    blockers = _shell_needs(final)
    applicability = UNSAFE if blockers else SAFE
    note = f" ({', '.join(blockers)}: check the stage runs without a shell)" if blockers else ""
    words = from_ins.args.split()
    fix = None
    if words:
        start = from_ins.text_offset(0)
        end = from_ins.text_offset(len(words[0]) - 1) + 1
        fix = Fix((replace_span(start, end, image),), applicability, f"use {image} as the final base{note}")
    yield ctx.report(
        from_ins,
        f"the final stage runs a Go binary on {base}, {_what_is_wrong(final.family)}: "
        f"use {image}{note}",
        severity="warning",
        fix=fix,
    )


def _toolchain(final, base: str) -> str:
    if final.toolchain_base:
        return f"the Go toolchain image {base}"
    return f"the Go toolchain installed on {base}"


def _what_is_wrong(family: str) -> str:
    if family == "scratch":
        return "which has no CA certificates, time zone data or non-root user"
    return "which ships a shell and a package manager"


def _is_go_stage(facts, ref: str | None, before: int) -> bool:
    if not ref:
        return False
    st = facts.dockerfile.stage_by_ref(ref, before=before)
    return st is not None and facts.stages[st.index].is_go


def _uses_cgo(facts) -> bool:
    explicit_off = False
    for st in facts.stages:
        for gc in st.go_commands:
            if gc.subcommand in ("build", "install"):
                v = gc.setting("CGO_ENABLED")
                if v == "1":
                    return True
                if v == "0":
                    explicit_off = True
    ctx = facts.context
    return bool(ctx is not None and ctx.uses_cgo and not explicit_off)


def _shell_needs(final) -> list[str]:
    out = []
    for ins in final.stage.instructions:
        if ins.keyword == "RUN":
            out.append(f"RUN on line {ins.line}")
        elif ins.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK") and not ins.is_json:
            if ins.keyword == "HEALTHCHECK" and ins.args.strip().upper() == "NONE":
                continue
            if ins.keyword == "HEALTHCHECK" and "CMD" in ins.args and "[" in ins.args:
                continue
            out.append(f"shell-form {ins.keyword} on line {ins.line}")
    return out

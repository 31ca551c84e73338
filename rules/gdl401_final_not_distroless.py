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
final stages: the rewriter does that with `--fix --unsafe-fixes` (unsafe,
applied alone): the stage becomes a build stage (ARG GOPROXY, dependency
step, cache mounts, `CGO_ENABLED=0` unless cgo is needed, `-trimpath
-ldflags="-s -w"`) and a distroless final stage that gets the binaries at the
same paths, runtime files, non-Go ENV, LABEL, EXPOSE, HEALTHCHECK, USER
65532:65532 and ENTRYPOINT/CMD in exec form. What it cannot classify is kept
in the build stage and listed in the fix message. No fix when no binary can
be found (`go build ./...` without `-o`).
"""

from __future__ import annotations

import fnmatch

from godockerlint.analysis import image_name
from godockerlint.edits import delete_instruction, replace_span
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
    if not base or "$" in base or final.windows:
        return  # unresolved, or a Windows image: distroless has no Windows images
    patterns = DEFAULT_ALLOWED_FINAL_IMAGES + tuple(ctx.settings.allowed_final_images)
    if allowed(base, patterns):
        return
    from_ins = final.stage.from_instruction
    if final.is_go:
        from godockerlint.rewrite import split_fix  # the rewrite machinery, only for the files that need it

        where = "a single-stage build" if len(facts.stages) == 1 else f"the final stage {final.label}"
        yield ctx.report(
            from_ins,
            f"{where} ships {_toolchain(final, base)} to production: build in one stage and copy "
            f"the binary into {ctx.settings.final_image_cgo_off}",
            severity="error",
            fix=split_fix(ctx),
        )
        return
    go_sources = [ins for ins in final.stage.instructions
                  if ins.keyword in ("COPY", "ADD") and ins.flag("from") is not None
                  and _is_go_stage(facts, ins.flag("from").value, final.index)]
    if not go_sources:
        return
    cgo = _uses_cgo(facts)
    image = ctx.settings.final_image_cgo_on if cgo else ctx.settings.final_image_cgo_off
    certs_only = [ins for ins in final.stage.instructions if ins.keyword == "RUN" and _installs_only_certs(facts, ins)]
    blockers = _shell_needs(final, skip=certs_only)
    applicability = UNSAFE if blockers else SAFE
    note = f" ({', '.join(blockers)}: check the stage runs without a shell)" if blockers else ""
    if certs_only:
        note += " and remove the install of ca-certificates/tzdata (distroless has both)"
    words = from_ins.args.split()
    fix = None
    if words:
        start = from_ins.text_offset(0)
        end = from_ins.text_offset(len(words[0]) - 1) + 1
        edits = [replace_span(start, end, image)] + [delete_instruction(ctx.dockerfile, ins) for ins in certs_only]
        fix = Fix(tuple(edits), applicability, f"use {image} as the final base{note}")
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
    if family == "other":
        return "which is neither distroless nor listed in allowed-final-images"
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
    return bool(ctx is not None and not explicit_off and ctx.uses_cgo)  # the scan reads .go files: last


CERT_PACKAGES = frozenset({"ca-certificates", "tzdata"})


def _installs_only_certs(facts, ins) -> bool:
    """A RUN that only installs CA certificates and time zones (which distroless images ship)."""
    run = facts.run_of(ins)
    if run is None or not run.commands or ins.is_json or ins.heredocs:
        return False
    installed = False
    for cmd, _, _ in run.commands:
        words = [w.value for w in cmd.words]
        if not words or cmd.assignments:
            return False
        prog = words[0].rsplit("/", 1)[-1]
        args = [w for w in words[1:] if not w.startswith("-")]
        if prog == "apk" and args[:1] == ["add"] or prog in ("apt-get", "apt") and args[:1] == ["install"]:
            if not args[1:] or not set(args[1:]) <= CERT_PACKAGES:
                return False
            installed = True
        elif prog in ("apt-get", "apt") and args == ["update"] or prog == "update-ca-certificates":
            continue
        elif prog == "rm" and all(a.startswith(("/var/lib/apt/lists", "/var/cache/apk")) for a in args):
            continue
        else:
            return False
    return installed


def _shell_needs(final, skip=()) -> list[str]:
    out = []
    for ins in final.stage.instructions:
        if ins.keyword == "RUN" and ins in skip:
            continue
        if ins.keyword == "RUN":
            out.append(f"RUN on line {ins.line}")
        elif ins.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK") and not ins.is_json:
            if ins.keyword == "HEALTHCHECK" and ins.args.strip().upper() == "NONE":
                continue
            if ins.keyword == "HEALTHCHECK" and "CMD" in ins.args and "[" in ins.args:
                continue
            out.append(f"shell-form {ins.keyword} on line {ins.line}")
    return out

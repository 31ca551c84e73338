"""A CGO-off Go stage is not pinned to `$BUILDPLATFORM`: multi-platform builds emulate the compiler.

`docker buildx build --platform linux/amd64,linux/arm64` runs every stage once
per target platform. A stage without `--platform` runs on the *target*
platform, so on an amd64 machine the arm64 copy of the Go compiler runs under
QEMU emulation: the build is many times slower (often 5-20x) and sometimes
crashes. Go cross-compiles natively when CGO is off: pinning the stage to
`$BUILDPLATFORM` and passing `GOOS=$TARGETOS GOARCH=$TARGETARCH` gives the same
binaries at native speed. For a single-platform build the change is invisible.

The rule looks at Go stages that build binaries for the image (`go build`,
`go install` of local packages) with CGO off: `CGO_ENABLED=0` in effect, or no
C compiler in the builder (alpine golang images without gcc). Stages with any
`--platform` (see GDL603 for constants), stages using `xx`, and stages that
run what they build (`go test`, `go run`) are not judged: a cross-compiled test
binary cannot run on the build machine.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.25 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

A build whose GOARCH comes from a shell variable of its RUN (a loop over
architectures) already cross-compiles natively and is not judged.

The final stage and the stages it is built `FROM` are the image, which must be
of the target platform: a single-stage build is not judged unless the file
shows it is built for several platforms (it reads `TARGETARCH`, `TARGETOS`,
`TARGETPLATFORM` or `BUILDPLATFORM`); then the finding asks to split the build
and has no fix (rules.md revision 2).

Best practice (single stage):

```dockerfile
FROM golang:1.25-alpine
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .
CMD ["app"]
```

Fix (safe, when the builds' RUNs are in shell form and do not set GOARCH, and
the stage is not the final image or one it is built on: that image would then
be the build machine's platform with another platform's binary): adds
`--platform=$BUILDPLATFORM` to the FROM, `ARG TARGETOS TARGETARCH` at the top
of the stage and `GOOS=$TARGETOS GOARCH=$TARGETARCH` before each go build, the
wiring GDL601 asks for. A GOOS written as a constant (`CGO_ENABLED=0
GOOS=linux go build`) is kept and only `GOARCH=$TARGETARCH` (and `ARG
TARGETARCH`) is added: for a single-platform build BUILDPLATFORM is
TARGETPLATFORM, so the binary is the same. No fix, and the message says why,
when a build sets GOARCH itself (a constant or a variable), takes GOOS from a
variable, runs in an exec-form RUN (no shell to expand `$TARGETARCH`), is a
`go install` (cross-compiled, it writes to `$GOPATH/bin/<GOOS>_<GOARCH>/`), or when
the stage is built `FROM` another stage (pin that stage instead). Nor when a
multi-platform build could then make another image: a stage is built `FROM`
this one (it would move to the build platform too), a RUN may build without
the wiring (`make`, a script), or another stage copies a file out of this one
that is neither a binary of the wired builds nor platform-free data
(certificates, zoneinfo, `/etc`): a `go install tool@v` or a downloaded tool
would be the build machine's.
"""

from __future__ import annotations

import posixpath
import re

from godockerlint.fix.commandedits import words_in_place
from godockerlint.fix.edits import insert_lines_before, replace_span
from godockerlint.core.findings import SAFE, Fix
from godockerlint.rules.gdl601_cross_compile_unwired import (CROSS_INSTALL, UNSURE_OFFSETS, is_target_build, raw_setting,
                                                             stage_platform, uses_xx)

CODE = "GDL602"
NAME = "emulated-go-build"
SEVERITY = "info"
FIX = "safe"
SUMMARY = "A CGO-off Go stage without --platform=$BUILDPLATFORM: multi-platform builds emulate the compiler."


def check(ctx):
    df = ctx.dockerfile
    final = ctx.facts.final
    image_chain = ctx.facts.final_chain_set
    multi_platform = _multi_platform(df)
    for sf in ctx.facts.stages:
        if sf.windows or stage_platform(sf) or uses_xx(sf):
            continue
        in_image = sf in image_chain
        if in_image and not multi_platform:
            continue  # a single-stage build that is never built for several platforms
        builds = [g for g in sf.go_commands if is_target_build(g) and not _cross_by_hand(g)]
        if not builds or any(g.subcommand in ("test", "run") for g in sf.go_commands):
            continue
        if not all(_cgo_off(sf, g) for g in builds):
            continue
        if in_image:
            yield ctx.report(
                sf.stage.from_instruction,
                f"stage {sf.label} compiles Go with CGO off but runs on the target platform: multi-platform "
                f"builds run the compiler under emulation; use `FROM --platform=$BUILDPLATFORM` and "
                f"GOOS=$TARGETOS GOARCH=$TARGETARCH in a build stage (no fix: this stage is the image itself, "
                f"which would then be the build machine's platform)",
            )
            continue
        fix, why = _fix(ctx.facts, sf, builds)
        if fix is not None:
            bound = _platform_bound(ctx.facts, sf, builds)
            if bound:
                fix, why = None, bound
        yield ctx.report(
            sf.stage.from_instruction,
            f"stage {sf.label} compiles Go with CGO off but runs on the target platform: multi-platform "
            f"builds run the compiler under emulation; use `FROM --platform=$BUILDPLATFORM` and "
            f"GOOS=$TARGETOS GOARCH=$TARGETARCH" + (f" (no fix: {why})" if why else ""),
            fix=fix,
        )


def _cross_by_hand(gc) -> bool:
    """GOARCH set from a shell variable of the RUN (`for arch in amd64 arm64; do GOARCH=$arch go build`):
    the build makes binaries for every platform itself, natively, whatever the image's platform."""
    value = raw_setting(gc, "GOARCH") or ""
    names = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", value)
    return any(n not in gc.run.args_declared and n not in gc.run.env for n in names)


def _multi_platform(df) -> bool:
    """Does the file show it is built for several platforms (it reads TARGET*/BUILDPLATFORM)?"""
    return any(re.search(r"\$\{?(TARGETPLATFORM|TARGETOS|TARGETARCH|TARGETVARIANT|BUILDPLATFORM)\b|"
                         r"\bARG\s+(TARGETPLATFORM|TARGETOS|TARGETARCH)", ins.raw_keyword + " " + ins.args + " " +
                         " ".join(f.value or "" for f in ins.flags))
               for ins in df.instructions)


def _cgo_off(sf, gc) -> bool:
    value = gc.setting("CGO_ENABLED")
    if value is not None:
        return value == "0"
    return not sf.has_c_compiler


def _platform_bound(facts, sf, builds) -> str | None:
    """Why moving `sf` to the build platform could change another platform's image (None: it cannot):
    a stage built on it would move too; a RUN that may build without the GOOS/GOARCH wiring (make, a
    script); a file copied out of it that is neither a binary of the wired builds, platform-free data
    (certificates, zoneinfo, /etc) nor a file of the build context: a tool fetched or built for the
    build machine's platform."""
    from godockerlint.analysis.stages import GO_DRIVERS
    from godockerlint.analysis.words import copy_sources
    from godockerlint.analysis.artifacts import ANY, NOT_BINARIES, outputs

    children, taken = _uses_of_stages(facts)
    if sf.index in children:
        return f"stage {children[sf.index].label} is built on this stage and would move to the build platform too"
    for run in sf.runs:
        driver = next((cmd.name for cmd, _, _ in run.commands if cmd.name.rsplit("/", 1)[-1] in GO_DRIVERS), None)
        if driver or run.may_run_go and not run.go_commands:
            what = f"runs {driver}, which" if driver else ""
            return (f"line {run.instruction.span.line} {what or 'runs a script that'} may build without the "
                    f"GOOS/GOARCH wiring, for the build machine's platform")
    # the outputs of the wired builds, worked out only when a copy needs them, indexed by what a
    # copied path `src` matches: an output p is a hit when p.rstrip("/") == src, p starts with src + "/",
    # or p ends with "/" and src starts with p
    exact: set[str] = set()  # p.rstrip("/")
    under: set[str] = set()  # p[:i] for each "/" at i > 0 in p: the folders p is in
    folders: set[str] = set()  # p itself when it ends with "/"
    pending = iter(builds)

    def hit(src: str) -> bool:
        if src in exact or src in under:
            return True
        return any(src[:i + 1] in folders for i, c in enumerate(src) if c == "/")

    def written(src: str) -> bool:
        if hit(src):
            return True
        for g in pending:
            out = [p for p in outputs(g) if p != ANY]
            for p in out:
                exact.add(p.rstrip("/"))
                under.update(p[:i] for i, c in enumerate(p) if c == "/" and i)
                if p.endswith("/"):
                    folders.add(p)
            if out and hit(src):
                return True
        return False

    for ins in taken.get(sf.index, ()):
        if ins.keyword == "RUN":
            return f"line {ins.span.line} mounts files of this stage"
        for raw in copy_sources(ins):
            src = posixpath.normpath(posixpath.join("/", raw))
            if any(c in raw for c in "*?["):
                src = posixpath.dirname(src)  # `/out/*`: the folder the pattern matches in
            if src.startswith(NOT_BINARIES + ("/usr/local/go/lib/time/",)) or src != "/" and written(src):
                continue
            if _from_context(facts, sf, src):
                continue
            return (f"line {ins.span.line} copies {raw} out of this stage, and only the wired go builds "
                    f"are known to make files for the target platform")
    return None


def _uses_of_stages(facts):
    """({stage index: the first stage built on it}, {stage index: [COPY/ADD --from, RUN --mount from= of it]}),
    worked out once per file."""
    got = facts.__dict__.get("_gdl602_uses")
    if got is None:
        df = facts.dockerfile
        children, taken = {}, {}
        for st in facts.stages:
            if st.parent is not None:
                children.setdefault(st.parent.index, st)
            for ins in st.stage.instructions:
                refs = [m.from_ for m in ins.mounts if m.from_] if ins.keyword == "RUN" else (
                    [ins.flag("from").value or ""] if ins.keyword in ("COPY", "ADD") and ins.flag("from") else [])
                for ref in refs:
                    src = df.stage_by_ref(ref.lower(), before=st.index)
                    if src is not None:
                        taken.setdefault(src.index, []).append(ins)
        got = facts.__dict__["_gdl602_uses"] = (children, taken)
    return got


def _from_context(facts, sf, src: str) -> bool:
    """Is `src` of stage `sf` a file or folder a COPY of the stage brought from the build context (a
    config file, templates, static assets: the same on every platform)? Only what the context holds."""
    from godockerlint.analysis.words import copy_destination, copy_sources

    context = facts.context
    if context is None:
        return False
    for ins in sf.stage.instructions:
        if ins.keyword != "COPY" or ins.flag("from") is not None or ins.heredocs:
            continue
        dest = posixpath.normpath(posixpath.join(facts.workdir_at(ins), copy_destination(ins)))
        for s in copy_sources(ins):
            if any(c in s for c in "*?[$") or s.startswith(("/", "..")):
                continue
            s = posixpath.normpath(s)
            if src == dest or src.startswith(dest.rstrip("/") + "/"):
                rel = posixpath.relpath(src, dest)
                for cand in (posixpath.normpath(posixpath.join(s, rel)),
                             posixpath.normpath(posixpath.join(posixpath.dirname(s), rel))):
                    if not cand.startswith("..") and context.exists(cand):
                        return True
    return False


def _fix(facts, sf, builds):
    """(fix, why none is offered). The binary must be the same for a single-platform build, where
    BUILDPLATFORM = TARGETPLATFORM: a GOOS written as a constant is kept (only GOARCH=$TARGETARCH is
    added); a GOARCH the build sets itself, or a GOOS from a variable, is left to the author."""
    if sf.parent is not None:
        return None, f"the stage is built on stage {sf.parent.label}; pin that stage's FROM instead"
    if any(g.instruction.is_json for g in builds):
        return None, "an exec-form RUN has no shell to expand $TARGETARCH"
    if any(g.subcommand == "install" for g in builds):
        return None, CROSS_INSTALL
    prefixes = []
    for g in builds:
        arch, goos = raw_setting(g, "GOARCH"), raw_setting(g, "GOOS")
        if arch is not None:
            how = f"sets GOARCH={arch}" if "$" not in arch else f"takes GOARCH from {arch}"
            return None, f"the build {how} itself"
        if goos is None:
            prefixes.append("GOOS=$TARGETOS GOARCH=$TARGETARCH ")
        elif not goos.strip():
            return None, "the build sets an empty GOOS itself"
        elif "$" in goos:
            return None, f"the build takes GOOS from {goos}"
        else:
            prefixes.append("GOARCH=$TARGETARCH ")
    df = facts.dockerfile
    if not all(words_in_place(facts, g) for g in builds):
        return None, UNSURE_OFFSETS
    inserts = [replace_span(g.span.start, g.span.start, prefix) for g, prefix in zip(builds, prefixes)]
    from_ins = sf.stage.from_instruction
    at = from_ins.span.start + len(from_ins.raw_keyword)
    edits = [replace_span(at, at, " --platform=$BUILDPLATFORM")]
    wanted = [a for a in ("TARGETOS", "TARGETARCH") if any(a in p for p in prefixes)]
    missing = [a for a in wanted if a not in builds[0].run.args_declared]
    if missing and sf.stage.instructions:
        edits.append(insert_lines_before(df, sf.stage.instructions[0], [f"ARG {' '.join(missing)}"]))
    edits += inserts
    kept = " (the GOOS the build sets is kept)" if "GOARCH=$TARGETARCH " in prefixes else ""
    return Fix(tuple(sorted(edits, key=lambda e: e.start)), SAFE,
               f"cross-compile natively from $BUILDPLATFORM{kept}"), None

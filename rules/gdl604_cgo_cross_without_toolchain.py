"""`CGO_ENABLED=1` in a `$BUILDPLATFORM` stage with no C cross toolchain.

A `$BUILDPLATFORM` stage compiles on the build machine. With cgo on, go also
runs a C compiler, and the builder's `gcc` only produces code for the build
machine: a multi-platform build fails with `gcc: error: unrecognized
command-line option '-marm'`, or links the wrong-architecture objects, as soon
as GOARCH differs from the machine (cgo needs a C compiler for the target).

A C cross toolchain counts when the stage (or its ancestors) uses `xx`
(`xx-go`, `xx-clang`, `xx-apk`, or a `COPY --from=` an xx image or stage:
xx-go sets CC for the target), or when CC is set for the go command (inline,
`export`, ENV or `go env -w`: `CC=aarch64-linux-gnu-gcc`, `CC="zig cc -target
..."`). Only an explicit `CGO_ENABLED=1` is judged: without it go turns cgo
off by itself when cross-compiling with no CC.

Anti-pattern:

```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.25 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY . .
RUN CGO_ENABLED=1 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

Best practice:

```dockerfile
FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.6.1 AS xx
FROM --platform=$BUILDPLATFORM golang:1.25-alpine AS build
COPY --from=xx / /
RUN apk add --no-cache clang lld
ARG TARGETPLATFORM
RUN xx-apk add --no-cache gcc musl-dev
WORKDIR /src
COPY . .
RUN CGO_ENABLED=1 xx-go build -o /out/app . && xx-verify /out/app
```

No fix: the toolchain to install depends on the base (xx with clang on
alpine and debian, crossbuild-essential-<arch> on debian, zig); the message
points at xx.
"""

from __future__ import annotations

from godockerlint.rules.gdl601_cross_compile_unwired import raw_setting, stage_platform, uses_xx

CODE = "GDL604"
NAME = "cgo-cross-without-toolchain"
SEVERITY = "error"
FIX = "none"
SUMMARY = "CGO_ENABLED=1 in a $BUILDPLATFORM stage without a C cross toolchain (xx, CC=)."


def check(ctx):
    for sf in ctx.facts.stages:
        if "BUILDPLATFORM" not in stage_platform(sf) or not sf.is_go or uses_xx(sf):
            continue
        for gc in sf.go_commands:
            if gc.subcommand not in ("build", "install", "test", "run"):
                continue
            if (gc.setting("CGO_ENABLED") or "").strip() != "1":
                continue
            if raw_setting(gc, "CC") or gc.setting("CC"):
                continue
            yield ctx.report(gc.span, f"`go {gc.subcommand}` runs with CGO_ENABLED=1 in the $BUILDPLATFORM stage "
                                      f"{sf.label} with no C cross compiler: other targets fail to compile or link "
                                      f"the wrong architecture; use tonistiigi/xx (xx-go, xx-apk/xx-apt-get) or set "
                                      f"CC to a cross compiler for $TARGETARCH")

"""`FROM --platform` is a constant on a Go stage, or a redundant `$TARGETPLATFORM`.

`FROM --platform=linux/amd64 golang` pins the Go stage to one architecture:
on an arm64 laptop or CI runner the whole compile runs under QEMU emulation
(many times slower), and in a `--platform linux/amd64,linux/arm64` build
every image gets the amd64 stage (with its binary unless GOARCH is wired).
The portable forms are `--platform=$BUILDPLATFORM` with GOOS/GOARCH from
TARGETOS/TARGETARCH (native speed, any target), or no flag at all.

`--platform=$TARGETPLATFORM` is what a stage gets without the flag: it only
adds noise, and suggests the author meant `$BUILDPLATFORM`.

Constants are flagged only on Go stages (a tool image that exists for one
architecture only may need one); `$TARGETPLATFORM` on any stage. Values with
other variables (`$BUILDPLATFORM`, `${BUILDPLATFORM:-linux/amd64}`) are not
flagged.

Anti-pattern:

```dockerfile
FROM --platform=linux/amd64 golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.25 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY . .
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

Fix (safe, for `$TARGETPLATFORM` only): the flag is removed; the stage is
built for the same platform. A constant is reported only: replacing it needs
GDL601's wiring and a decision about what the constant was for.
"""

from __future__ import annotations

import re

from godockerlint.edits import replace_span
from godockerlint.findings import SAFE, Fix

CODE = "GDL603"
NAME = "platform-flag-misuse"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "`FROM --platform=<constant>` on a Go stage, or a redundant `--platform=$TARGETPLATFORM`."

TARGET_RE = re.compile(r"^\$(?:TARGETPLATFORM|\{TARGETPLATFORM\})$")


def check(ctx):
    df = ctx.dockerfile
    for sf in ctx.facts.stages:
        ins = sf.stage.from_instruction
        flag = ins.flag("platform")
        if flag is None or not flag.value:
            continue
        value = flag.value.strip()
        if TARGET_RE.match(value):
            end = flag.span.end
            while end < len(df.text) and df.text[end] in " \t":
                end += 1
            fix = Fix((replace_span(flag.span.start, end, ""),), SAFE, "remove --platform=$TARGETPLATFORM")
            yield ctx.report(flag, f"`--platform={value}` is the default for every stage: remove it (or use "
                                   f"$BUILDPLATFORM with GOOS/GOARCH from TARGETOS/TARGETARCH for a Go builder)",
                             fix=fix)
        elif "$" not in value and sf.is_go:
            yield ctx.report(flag, f"the Go stage {sf.label} is pinned to {value}: other machines compile it under "
                                   f"emulation and multi-platform builds reuse it for every target; use "
                                   f"--platform=$BUILDPLATFORM with GOOS=$TARGETOS GOARCH=$TARGETARCH (no fix: "
                                   f"what the constant {value} was for is the author's to say)")

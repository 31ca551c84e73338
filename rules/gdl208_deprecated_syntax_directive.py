"""The `# syntax=` directive pins the frozen experimental Dockerfile frontend.

`# syntax=docker/dockerfile:experimental` and the `1.0-experimental`,
`1.1-experimental`, `1.2-experimental` ... tags were how `RUN --mount` (cache,
bind, secret and ssh mounts) had to be enabled in 2018-2020. That channel is
frozen: it gets no fixes and lacks everything added since (heredocs,
`COPY --link`, `ADD --checksum`, mount options), yet every build still pulls
the frontend image from Docker Hub before it starts: a wasted round trip, a
rate-limited pull, and a build that fails offline. `RUN --mount` has been
stable in the built-in frontend and in `docker/dockerfile:1` for years.

Any directive whose image is `docker/dockerfile` (with or without
`docker.io/`) and whose tag is `experimental` or `<version>-experimental`
(digest-pinned or not) is flagged. `docker/dockerfile:1`, a pinned `1.x`
version and the maintained `1-labs` channel are not.

Anti-pattern:

```dockerfile
# syntax=docker/dockerfile:experimental
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
```

Best practice:

```dockerfile
# syntax=docker/dockerfile:1
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
```

Fix (safe): replaces the directive by `# syntax=<syntax>` from the
configuration (`docker/dockerfile:1` by default), or deletes the line when the
configuration says `syntax: none` (air-gapped builders and slow registries:
every `# syntax=` line is a pull; the built-in frontend supports `RUN --mount`).
When a RUN uses `--security` (still a labs feature) the replacement is
`docker/dockerfile:1-labs` and `syntax: none` gets no fix.
"""

from __future__ import annotations

import re

from godockerlint.fix.edits import replace_span
from godockerlint.core.findings import SAFE, Fix

CODE = "GDL208"
NAME = "deprecated-syntax-directive"
SEVERITY = "info"
FIX = "safe"
SUMMARY = "`# syntax=docker/dockerfile:experimental` pulls a frozen frontend on every build."

EXPERIMENTAL_RE = re.compile(
    r"^(?:docker\.io/)?docker/dockerfile:((?:\d+(?:\.\d+)*-)?experimental)(?:@sha256:[0-9a-f]+)?$", re.I)


def check(ctx):
    df = ctx.dockerfile
    d = df.directive("syntax")
    if d is None:
        return
    m = EXPERIMENTAL_RE.match(d.value.strip())
    if not m:
        return
    labs = any(ins.flag("security") is not None for ins in df.instructions if ins.keyword == "RUN")
    wanted = ctx.settings.syntax or "docker/dockerfile:1"
    span = d.span
    end = span.end - 1 if df.text[span.start:span.end].endswith("\r") else span.end
    if wanted.lower() == "none":
        if labs:
            fix, todo = None, "use `# syntax=docker/dockerfile:1-labs` (RUN --security needs the labs channel)"
        else:
            start = df.lines.line_start(span.line)
            stop = df.lines.line_end(span.line)
            if df.text.startswith("\r\n", stop):
                stop += 2
            elif df.text.startswith("\n", stop):
                stop += 1
            fix = Fix((replace_span(start, stop, ""),), SAFE, "remove the # syntax= line (syntax: none)")
            todo = "remove the line: the built-in frontend supports RUN --mount"
    else:
        if labs:
            wanted = "docker/dockerfile:1-labs"
        fix = Fix((replace_span(span.start, end, f"# syntax={wanted}"),), SAFE, f"use {wanted}")
        todo = f"use `# syntax={wanted}`"
    yield ctx.report(
        span,
        f"`# syntax={d.value.strip()}` pins the frozen {m.group(1)} frontend, which every build pulls; {todo}",
        fix=fix,
    )

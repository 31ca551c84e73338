"""A Go stage downloads modules but `ARG GOPROXY` is not declared in it.

A Go stage that runs a fetching go command (`go mod download`, `go build`,
`go install`, `go test`, `go run`, `go get`, `go list -m`, `go mod tidy|vendor|
verify|graph`) reads GOPROXY from its environment. Unless the stage declares
`ARG GOPROXY`, a `docker build --build-arg GOPROXY=https://goproxy.cn,direct`
(a mirror for a slow or blocked network, or a corporate proxy) never reaches
go: every module comes from the default proxy, slowly or not at all.

A hard-coded `ENV GOPROXY=...` (or an inline `GOPROXY=... go build`, or
`go env -w GOPROXY=...`) does not count: it cannot be overridden per build and
an ENV is baked into that stage's image. A global `ARG GOPROXY` before the
first FROM does not count either: it is empty inside the stage until the stage
re-declares it (see GDL102). Vendored builds and `GOPROXY=off` download
nothing and are not flagged. When the build context's go.mod
requires no module, there is nothing to download and the rule is silent.

The finding points at the first fetching go command of the stage; the stage
is reported once. A stage built `FROM` an ancestor whose dependency step
downloaded the modules is not flagged for go commands that need only those
modules (`go build`, `go test`): they find every module in the cache already,
and the ancestor's finding (or its `ARG GOPROXY`) covers the download; one
that fetches other modules (`go install tool@v1.2.3`) is.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
ENV GOPROXY=https://proxy.golang.org,direct
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
ARG GOPROXY=https://proxy.golang.org,direct
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/app .
```

Fix (safe): inserts `ARG GOPROXY` just before the first fetching RUN. Its
default is the value of an `ENV GOPROXY` of the same stage that comes before
that RUN (the ENV is then removed: the ARG gives go the same value unless a
build overrides it), else the `goproxy:` value of the configuration, else none
(go's own default applies when no build argument is given).
"""

from __future__ import annotations

from godockerlint.edits import delete_instruction, insert_lines_before, replace_span
from godockerlint.findings import SAFE, Fix
from godockerlint.shell import key_values

CODE = "GDL101"
NAME = "goproxy-arg-missing"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "A Go stage downloads modules without `ARG GOPROXY`, so --build-arg GOPROXY cannot reach it."


def check(ctx):
    df = ctx.dockerfile
    for stage in ctx.facts.stages:
        first = next((g for r in stage.runs for g in r.go_commands if g.fetching and not _covered(g, stage)), None)
        if first is None:
            continue
        run = first.run
        if "GOPROXY" in run.args_declared:
            continue
        env_ins = _env_goproxy_before(stage, run.instruction)
        hard = first.env.get("GOPROXY") or (env_ins[1] if env_ins else None) or stage.go_env_file.get("GOPROXY")
        why = f"the hard-coded GOPROXY={hard} cannot be overridden per build" if hard else \
            "--build-arg GOPROXY=... cannot reach go"
        message = (
            f"stage {stage.label} runs `go {first.subcommand}` without `ARG GOPROXY`: {why}; "
            f"declare `ARG GOPROXY` before this RUN"
        )
        yield ctx.report(first.span, message, fix=_fix(ctx, df, run.instruction, env_ins))


def _covered(gc, stage) -> bool:
    """An ancestor stage's dependency step downloaded go.mod's modules, and `gc` asks for no other module
    (`go build`, `go test`; not `go install tool@v1`): that stage's finding, or its ARG, covers it."""
    dep = gc.run.deps_ready_before
    if dep is None or dep.stage is stage:
        return False
    return not any("@" in p or gc.subcommand == "get" for p in gc.packages if not p.startswith((".", "/")))


def _env_goproxy_before(stage, run_ins):
    """(ENV instruction, value) of the last ENV GOPROXY in this stage before `run_ins`."""
    found = None
    for ins in stage.stage.instructions:
        if ins is run_ins:
            break
        if ins.keyword == "ENV":
            for k, v, w in key_values(ins.args):
                if k == "GOPROXY":
                    found = (ins, v or "", w)
    return found


def _fix(ctx, df, run_ins, env_ins):
    default = env_ins[1] if env_ins else ctx.settings.goproxy
    line = "ARG GOPROXY" + (f"={_quote(default)}" if default else "")
    edits = [insert_lines_before(df, run_ins, [line])]
    if env_ins is not None:
        ins, _, word = env_ins
        pairs = key_values(ins.args)
        if len(pairs) == 1:
            edits.append(delete_instruction(df, ins))
        else:
            # remove only the GOPROXY=... pair (and the blank before it)
            start = ins.text_offset(word.start)
            end = ins.text_offset(word.end - 1) + 1
            while start > 0 and df.text[start - 1] in " \t":
                start -= 1
            edits.append(replace_span(start, end, ""))
    how = f"insert `{line}`" + (" and remove the ENV GOPROXY" if env_ins else "")
    return Fix(tuple(sorted(edits, key=lambda e: e.start)), SAFE, how)


def _quote(value: str) -> str:
    if any(c in value for c in " \t\"'$\\"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value

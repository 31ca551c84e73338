"""A variable of a global ARG (declared before the first FROM) is used in a stage that does not re-declare it.

An `ARG` before the first `FROM` is visible only to the `FROM` lines. Inside a
stage it is empty until the stage declares it again with a bare `ARG NAME`
(which then takes the global default or the `--build-arg` value). So with

    ARG GOPROXY=https://goproxy.cn,direct
    FROM golang:1.25
    RUN go mod download

go never sees the mirror, and `RUN curl -o x https://host/v$VERSION/x` fetches
`https://host/v/x`. Nothing fails at that point: the value is silently empty.

The rule reports, per stage and per variable, the first place where the stage
uses a global ARG without declaring it:

- `$X` or `${X...}` in any instruction that BuildKit or the build shell
  expands: RUN (command, heredoc script, `--mount` options), ENV, ARG
  defaults, COPY/ADD (arguments, `--chown`, heredocs), WORKDIR, USER, LABEL,
  EXPOSE, VOLUME, STOPSIGNAL. CMD, ENTRYPOINT and HEALTHCHECK are expanded
  when the container starts, not at build time, and are not judged;
- a Go setting (GOPROXY, GOPRIVATE, GOFLAGS, GONOSUMDB, CGO_ENABLED, GOOS,
  GOARCH, ...) declared globally that a go command of the stage would read
  from its environment, when nothing in the stage sets it.

Decisions on ambiguous cases: the predefined platform ARGs (`TARGETOS`,
`TARGETARCH`, `TARGETPLATFORM`, `TARGETVARIANT`, `BUILDPLATFORM`, `BUILDOS`,
`BUILDARCH`, `BUILDVARIANT`) behave exactly like global ARGs and are judged
the same way, declared or not. A stage built `FROM` another stage inherits the
ARGs and ENVs of its parent (BuildKit carries them over), so a declaration in
an ancestor counts. A variable that the RUN script assigns itself
(`X=...`, `export X=...`, `for X in`, `read X`) is a shell variable, not the
ARG. `\\$X` is a literal dollar sign. An ENV of the same name, or one known in
the base image (`GOLANG_VERSION`, `GOPATH` in `golang` images; `PATH`,
`HOME`), gives the variable a value and is not flagged.

Anti-pattern:

```dockerfile
ARG GO_VERSION=1.25
ARG APP_VERSION=1.4.2
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY . .
RUN go build -ldflags "-X main.version=${APP_VERSION}" -o /out/app .
```

Best practice:

```dockerfile
ARG GO_VERSION=1.25
ARG APP_VERSION=1.4.2
FROM golang:${GO_VERSION} AS build
ARG APP_VERSION
WORKDIR /src
COPY . .
RUN go build -ldflags "-X main.version=${APP_VERSION}" -o /out/app .
```

Fix (safe): inserts a bare `ARG X` at the top of the stage (just after its
FROM line, before its first instruction), which gives the stage the global
default or the build argument.
"""

from __future__ import annotations

import re

from godockerlint.fix.edits import insert_lines_before
from godockerlint.core.findings import SAFE, Fix
from godockerlint.parse.shell import key_values

CODE = "GDL102"
NAME = "global-arg-not-redeclared"
SEVERITY = "error"
FIX = "safe"
SUMMARY = "A global ARG is used in a stage that does not re-declare it, where it is empty."

PLATFORM_ARGS = frozenset({
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
})
# Variables go reads from its environment (`go help environment`).
GO_ENV_VARS = frozenset({
    "GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOFLAGS", "GOINSECURE", "GOAUTH",
    "GOOS", "GOARCH", "GOARM", "GOAMD64", "GOARM64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64",
    "GOWASM", "CGO_ENABLED", "CGO_CFLAGS", "CGO_LDFLAGS", "GOTOOLCHAIN", "GOWORK", "GOEXPERIMENT",
    "GOMODCACHE", "GOCACHE", "GOPATH", "GO111MODULE", "GODEBUG", "GOVCS", "GOBIN", "GOTMPDIR", "GOENV",
    "GOTELEMETRY", "GOFIPS140",
})
ALWAYS_SET = frozenset({"PATH", "HOME", "HOSTNAME"})
GOLANG_IMAGE_ENV = frozenset({"GOLANG_VERSION", "GOPATH", "GOTOOLCHAIN"})
NOT_EXPANDED = frozenset({"FROM", "CMD", "ENTRYPOINT", "HEALTHCHECK", "ONBUILD", "MAINTAINER", "SHELL"})
REF_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
SHELL_SET_RE = re.compile(
    r"(?:^|[\s;&|(`])(?:(?:export|local|readonly|declare|typeset)\s+(?:-\w+\s+)*)?([A-Za-z_][A-Za-z0-9_]*)="
    r"|\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b"
    r"|\bread\s+(?:-\w+\s+)*([A-Za-z_][A-Za-z0-9_]*)"
)


def check(ctx):
    facts = ctx.facts
    df = ctx.dockerfile
    globals_ = dict(facts.global_arg_instructions)
    if not globals_ and not _mentions_platform_args(df):
        return
    for sf in facts.stages:
        if not sf.stage.instructions:
            continue
        known = set(ALWAYS_SET)
        for anc in sf.ancestors:
            known |= anc.arg_names | set(anc.env)
        if sf.parent is None:
            known |= set(facts._image_env(sf.base))
            if sf.toolchain_base:
                known |= GOLANG_IMAGE_ENV
        inherited = set(known)
        reported: set[str] = set()
        findings = []
        for ins in sf.stage.instructions:
            if ins.keyword not in NOT_EXPANDED:
                local = _shell_assigned(ins) if ins.keyword == "RUN" else set()
                for name, start, end in _references(df, ins):
                    if name in known or name in reported or name in local:
                        continue
                    if name in globals_:
                        where = f"the global `ARG {name}` (line {globals_[name].line})"
                    elif name in PLATFORM_ARGS:
                        where = f"the predefined platform ARG {name}"
                    else:
                        continue
                    reported.add(name)
                    findings.append((start, ctx.report(
                        df.lines.span(start, end),
                        f"`${name}` is empty in stage {sf.label}: {where} is not re-declared in the stage; "
                        f"add `ARG {name}` at the top of the stage",
                        fix=_fix(ctx, sf, name),
                        related=[(globals_[name], "the global ARG")] if name in globals_ else (),
                    )))
            # what this instruction defines for the next ones
            if ins.keyword in ("ARG", "ENV"):
                known |= {k for k, _, _ in key_values(ins.args, legacy=ins.keyword == "ENV")}
        # Go settings read from the environment
        for name in sorted(GO_ENV_VARS & set(globals_)):
            if name in reported or name in inherited:
                continue
            for run in sf.runs:
                gc = next((g for g in run.go_commands if g.setting(name) is None and name not in run.args_declared
                           and name not in run.env), None)
                if gc is not None:
                    reported.add(name)
                    findings.append((gc.span.start, ctx.report(
                        gc.span,
                        f"go reads {name} from its environment, but the global `ARG {name}` "
                        f"(line {globals_[name].line}) is not re-declared in stage {sf.label}, so go never sees it; "
                        f"add `ARG {name}` at the top of the stage",
                        fix=_fix(ctx, sf, name),
                        related=[(globals_[name], "the global ARG")],
                    )))
                    break
                if name in run.args_declared or name in run.env:
                    break
        for _, f in sorted(findings, key=lambda p: p[0]):
            yield f


def _mentions_platform_args(df) -> bool:
    return any(p in df.text for p in PLATFORM_ARGS)


def _references(df, ins):
    """(name, start, end) of every `$NAME`/`${NAME...}` the build expands in `ins`, in file order."""
    out = []
    for flag in ins.flags:
        out += _scan(df.text, flag.span.start, flag.span.end, df.escape)
    args = ins.args
    for m in REF_RE.finditer(args):
        if _escaped(args, m.start(), df.escape):
            continue
        name = m.group(1) or m.group(2)
        start = ins.text_offset(m.start())
        end = ins.text_offset(m.end() - 1) + 1
        out.append((name, start, end))
    for h in ins.heredocs:
        if ins.keyword != "RUN" and h.quoted:
            continue
        out += _scan(df.text, h.body_span.start, h.body_span.end, df.escape)
    return sorted(out, key=lambda r: r[1])


def _scan(text, start, end, escape):
    chunk = text[start:end]
    return [(m.group(1) or m.group(2), start + m.start(), start + m.end())
            for m in REF_RE.finditer(chunk) if not _escaped(chunk, m.start(), escape)]


def _escaped(s: str, i: int, escape: str) -> bool:
    return i > 0 and s[i - 1] in ("\\", escape, "$")


def _shell_assigned(ins) -> set[str]:
    script = ins.args + "\n" + "\n".join(h.body for h in ins.heredocs)
    return {next(g for g in m.groups() if g) for m in SHELL_SET_RE.finditer(script)}


def _fix(ctx, sf, name):
    first = sf.stage.instructions[0]
    return Fix((insert_lines_before(ctx.dockerfile, first, [f"ARG {name}"]),), SAFE,
               f"declare `ARG {name}` at the top of stage {sf.label}")

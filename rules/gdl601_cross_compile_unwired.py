"""A `$BUILDPLATFORM` Go stage builds for the build machine, not for the target platform.

`FROM --platform=$BUILDPLATFORM golang` runs the compiler natively (fast, no
emulation) on the machine doing the build. Go then compiles for that machine
unless GOOS/GOARCH say otherwise: `docker buildx build --platform
linux/amd64,linux/arm64` ships the amd64 binary in the arm64 image, which dies
with `exec format error` on the first arm64 node. The target comes from the
automatic build arguments TARGETOS/TARGETARCH, which are empty in a stage
unless it declares them (`ARG TARGETOS TARGETARCH`).

A `go build` (or `go install` of a local package) counts as wired when its
GOARCH (inline prefix, `export`, ENV of the stage, or `go env -w`) is taken
from `$TARGETARCH` or `$TARGETPLATFORM` and that argument is declared in the
stage, or when the stage uses `xx` (`xx-go`, `xx-go --wrap`, `xx-apk`...),
which sets them itself. GOOS is not required: BuildKit builders are Linux and
Linux targets need none; a GOARCH hard-coded to a constant is reported too.
`go install pkg@version` builds a tool that runs during the build, for the
build machine, and is exempt.

Anti-pattern:

```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .
```

Best practice:

```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.25 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

Fix (safe, when the go command sets neither GOOS nor GOARCH, its RUN is in
shell form and it is a `go build`: a cross-compiled `go install` writes to
`$GOPATH/bin/<GOOS>_<GOARCH>/`, so the COPY of `$GOPATH/bin/<name>` would fail,
and with GOBIN set go refuses it): `ARG TARGETOS TARGETARCH` (whichever is missing) is inserted at
the top of the stage (an ENV reading them must come after it), and `GOOS=$TARGETOS
GOARCH=$TARGETARCH` is prefixed to the go command. For a single-platform build
TARGET* equals BUILD*, so the binary is unchanged; for a multi-platform build
each image gets its own architecture's binary.
"""

from __future__ import annotations

from bisect import bisect_left

from godockerlint.fix.commandedits import words_in_place
from godockerlint.fix.edits import insert_lines_before, replace_span
from godockerlint.core.findings import SAFE, Fix
from godockerlint.parse.shell import key_values

CODE = "GDL601"
NAME = "cross-compile-unwired"
SEVERITY = "error"
FIX = "safe"
SUMMARY = "A $BUILDPLATFORM Go stage does not take GOOS/GOARCH from TARGETOS/TARGETARCH."


def stage_platform(sf) -> str:
    return sf.nearest("platform", lambda st: st.stage.platform) or ""


def uses_xx(sf) -> bool:
    return bool(sf.nearest("uses_xx", _stage_uses_xx))


def _stage_uses_xx(st) -> bool:
    for run in st.runs:
        for cmd, _, _ in run.commands:
            if cmd.name.rsplit("/", 1)[-1].startswith("xx-"):
                return True
    for ins in st.stage.instructions:
        src = ins.flag("from").value if ins.keyword == "COPY" and ins.flag("from") else ""
        if src and "xx" in src.lower().split("/")[-1].split(":")[0]:
            return True
    return False


def raw_setting(gc, name: str) -> str | None:
    """How the go command's `name` is set, as written (variables unexpanded), or None."""
    if name in gc.env:
        return gc.env[name]
    exported = gc.run.exported(gc, name)
    if exported is not None:
        return exported
    sf = gc.run.stage
    # the last ENV of `name` in the ancestors, then in the stage before the go command
    last = sf.parent.nearest(f"env {name}", lambda st: _env_writes(st).get(name, [])[-1:]) \
        if sf.parent is not None else None
    value = last[0][1] if last else None
    writes = _env_writes(sf).get(name, ())
    k = bisect_left(writes, (gc.instruction.index,))
    if k:
        value = writes[k - 1][1]
    if value is None and name in sf.go_env_file:
        value = sf.go_env_file[name]
    return value


def _env_writes(st) -> dict[str, list[tuple[int, str]]]:
    """name -> (instruction index, value as written) of each ENV assignment in the stage, in order."""
    memo = st.facts.__dict__.setdefault("_gdl601_env_writes", {})
    out = memo.get(st.index)
    if out is None:
        out = memo[st.index] = {}
        for ins in st.stage.instructions:
            if ins.keyword == "ENV":
                for k, v, _ in key_values(ins.args):
                    out.setdefault(k, []).append((ins.index, v or ""))
    return out


def is_target_build(gc) -> bool:
    if gc.subcommand == "build":
        return True
    return gc.subcommand == "install" and not any("@" in p for p in gc.packages)


# a cross-compiled `go install` writes $GOPATH/bin/<GOOS>_<GOARCH>/<name> (and fails when GOBIN is set)
# a go command whose words are not where the file has them (a `<<-` heredoc body, its tabs stripped)
UNSURE_OFFSETS = "the go command sits in a `<<-` heredoc, whose stripped tabs hide where its words are in the file"
CROSS_INSTALL = ("a cross-compiled `go install` puts the binary in $GOPATH/bin/<os>_<arch>/, not in "
                 "$GOPATH/bin, and fails when GOBIN is set: build it with `go build -o`")


def check(ctx):
    df = ctx.dockerfile
    for sf in ctx.facts.stages:
        if "BUILDPLATFORM" not in stage_platform(sf) or not sf.is_go or uses_xx(sf):
            continue
        arg_added = False
        for gc in sf.go_commands:
            if not is_target_build(gc):
                continue
            arch = raw_setting(gc, "GOARCH")
            declared = gc.run.args_declared
            if arch is not None and ("TARGETARCH" in arch or "TARGETPLATFORM" in arch):
                var = "TARGETARCH" if "TARGETARCH" in arch else "TARGETPLATFORM"
                if var in declared:
                    continue
                yield ctx.report(gc.span, f"`go {gc.subcommand}` takes GOARCH from ${var}, which is empty in stage "
                                          f"{sf.label}: declare `ARG {var}` in the stage",
                                 fix=_arg_fix(df, _stage_top(sf, gc), [var]))
                continue
            if arch:
                why = f"GOARCH is hard-coded to {arch}"
            else:
                why = "GOOS/GOARCH are not set"
            fix = None
            no_fix = ""
            if gc.subcommand == "install" and not arch:
                no_fix = f"; no fix: {CROSS_INSTALL}"
            elif not arch and raw_setting(gc, "GOOS") is None and not gc.instruction.is_json:
                if not words_in_place(ctx.facts, gc):
                    no_fix = f"; no fix: {UNSURE_OFFSETS}"
                else:
                    missing = [a for a in ("TARGETOS", "TARGETARCH") if a not in declared]
                    edits = []
                    if missing and not arg_added:
                        edits.append(insert_lines_before(df, _stage_top(sf, gc), [f"ARG {' '.join(missing)}"]))
                        arg_added = True
                    at = gc.span.start
                    edits.append(replace_span(at, at, "GOOS=$TARGETOS GOARCH=$TARGETARCH "))
                    fix = Fix(tuple(edits), SAFE, "build for $TARGETOS/$TARGETARCH")
            yield ctx.report(gc.span, f"stage {sf.label} runs on $BUILDPLATFORM but {why} for `go {gc.subcommand}`: "
                                      f"every platform gets a binary for the build machine; declare `ARG TARGETOS "
                                      f"TARGETARCH` and build with GOOS=$TARGETOS GOARCH=$TARGETARCH{no_fix}", fix=fix)


def _stage_top(sf, gc):
    """The stage's first instruction (an ENV may read the argument before the RUN does)."""
    return sf.stage.instructions[0] if sf.stage.instructions else gc.instruction


def _arg_fix(df, ins, names):
    return Fix((insert_lines_before(df, ins, [f"ARG {' '.join(names)}"]),), SAFE,
               f"declare ARG {' '.join(names)}")

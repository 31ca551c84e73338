"""A Go stage downloads modules but `ARG GOPROXY` is not declared in it.

A Go stage that runs a fetching go command (`go mod download`, `go build`,
`go install`, `go test`, `go run`, `go get`, `go list -m`, `go mod tidy|vendor|
verify|graph`) reads GOPROXY from its environment. Unless the stage declares
`ARG GOPROXY`, a `docker build --build-arg GOPROXY=https://goproxy.cn,direct`
(a mirror for a slow or blocked network, or a corporate proxy) never reaches
go: every module comes from the default proxy, slowly or not at all.

A hard-coded `ENV GOPROXY=...` or an inline `GOPROXY=... go build` (or
`export GOPROXY=...` in the RUN) does not count: it cannot be overridden per
build, and it overrides an `ARG GOPROXY` that is declared (an ENV always wins
over an ARG of the same name; a prefix wins over the environment): a stage that
declares the ARG but overrides it is reported too. A `go env -w GOPROXY=...`
only sets go's default: the environment, and so a declared ARG given a value,
wins over it (go warns "does not override conflicting OS environment
variable"). A global `ARG GOPROXY` before the
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

Fix (safe): the hard-coded value becomes the ARG's default and the override
goes, so the build without `--build-arg` is the same and `--build-arg
GOPROXY=https://goproxy.cn,direct` reaches go. Without an ARG, `ARG GOPROXY`
is inserted just before the first fetching RUN; its default is the value of
the ENV GOPROXY before that RUN or of the inline prefix / `export` (they are
removed), else the `goproxy:` value of the configuration, else none (go's own
default applies). A declared ARG gets the overriding value as its default. No
fix when the stage hard-codes several values, or when a download that does not
use the hard-coded value today would start to use it.
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
        fetching = [g for r in stage.runs for g in r.go_commands if g.fetching and not _covered(g, stage)]
        if not fetching:
            continue
        first = fetching[0]
        run = first.run
        declared = "GOPROXY" in run.args_declared
        overrides = _overrides(ctx, fetching)
        env_ins = _env_goproxy_before(stage, fetching[-1].instruction if declared else run.instruction)
        if declared:
            if not overrides and env_ins is None:
                continue
            hard = (overrides[0][2] if overrides else env_ins[1])
            how = (_override_text(overrides[0]) if overrides
                   else f"`ENV GOPROXY={hard}` (ENV always wins over ARG)")
            message = (
                f"stage {stage.label} declares `ARG GOPROXY` but {how} overrides it: --build-arg GOPROXY=... "
                f"never reaches go; make the value the ARG's default and remove the override"
            )
            fix, refused = _fix(ctx, df, stage, run.instruction, env_ins, overrides, fetching, declared=True)
            yield ctx.report(overrides[0][0].span if overrides else first.span,
                             message + (f" (no fix: {refused})" if refused else ""), fix=fix)
            continue
        hard = (overrides[0][2] if overrides else None) or (env_ins[1] if env_ins else None)
        why = f"the hard-coded GOPROXY={hard} cannot be overridden per build" if hard else \
            "--build-arg GOPROXY=... cannot reach go"
        message = (
            f"stage {stage.label} runs `go {first.subcommand}` without `ARG GOPROXY`: {why}; "
            f"declare `ARG GOPROXY` before this RUN"
        )
        fix, refused = _fix(ctx, df, stage, run.instruction, env_ins, overrides, fetching, declared=False)
        yield ctx.report(first.span, message + (f" (no fix: {refused})" if refused else ""), fix=fix)


def _overrides(ctx, commands):
    """(go command, edit removing the override or None, value) for each fetching go command whose GOPROXY
    comes from an inline `GOPROXY=... go` prefix or an `export GOPROXY=...` earlier in its RUN."""
    out = []
    seen_exports = set()
    for gc in commands:
        if "GOPROXY" in gc.env:
            word = next((w for w in gc.command.assignments + gc.command.words
                         if w.value.startswith("GOPROXY=")), None)
            out.append((gc, _word_removal(ctx, gc.run, gc.command, word) if word else None, gc.env["GOPROXY"]))
            continue
        exported = gc.run.exports_before(gc)
        if "GOPROXY" in exported:
            cmd = _export_command(gc.run, gc)
            if cmd is None or id(cmd) in seen_exports:
                continue
            seen_exports.add(id(cmd))
            out.append((gc, _export_removal(ctx, gc.run, cmd), exported["GOPROXY"]))
    return out


def _override_text(override) -> str:
    gc, _, value = override
    if "GOPROXY" in gc.env:
        return f"the inline `GOPROXY={value}` of `go {gc.subcommand}`"
    return f"`export GOPROXY={value}` before `go {gc.subcommand}`"


def _export_command(run, gc):
    found = None
    for cmd, _, _ in run.commands:
        if cmd is gc.command:
            break
        if cmd.name == "export" and any(w.value.startswith("GOPROXY=") for w in cmd.words[1:]):
            found = cmd
    return found


def _export_removal(ctx, run, cmd):
    from godockerlint.commandedits import remove_command

    words = cmd.words[1:]
    if len(words) == 1:
        return remove_command(ctx.facts, run, cmd)
    return _word_removal(ctx, run, cmd, next(w for w in words if w.value.startswith("GOPROXY=")))


def _word_removal(ctx, run, cmd, word):
    """Remove `word` of a simple command with the blank after it (None when the offsets cannot be trusted)."""
    from godockerlint.analysis import shell_word_span

    text = ctx.dockerfile.text
    words = sorted(cmd.assignments + cmd.words, key=lambda w: w.start)
    k = next(i for i, w in enumerate(words) if w is word)
    span = shell_word_span(ctx.facts, run, cmd, word)
    if text[span.start:span.end] != word.raw or k + 1 >= len(words):
        return None
    nxt = shell_word_span(ctx.facts, run, cmd, words[k + 1])
    if text[nxt.start:nxt.end] != words[k + 1].raw or text[span.end:nxt.start].strip(" \t"):
        return None  # only blanks may go with it (not a line continuation)
    return replace_span(span.start, nxt.start, "")


def _covered(gc, stage) -> bool:
    """An ancestor stage's dependency step downloaded go.mod's modules, and `gc` asks for no other module
    (`go build`, `go test`; not `go install tool@v1`): that stage's finding, or its ARG, covers it."""
    dep = gc.run.deps_ready_before
    if dep is None or dep.stage is stage:
        return False
    return not any("@" in p or gc.subcommand == "get" for p in gc.packages if not p.startswith((".", "/")))


def _env_goproxy_before(stage, run_ins):
    """(ENV instruction, value, word) of the last ENV GOPROXY in this stage before `run_ins`."""
    found = None
    for ins in stage.stage.instructions:
        if ins is run_ins:
            break
        if ins.keyword == "ENV":
            for k, v, w in key_values(ins.args):
                if k == "GOPROXY":
                    found = (ins, v or "", w)
    return found


def _arg_goproxy(stage, before):
    """(ARG instruction, its default or None, word) of the last `ARG GOPROXY` of the stage before `before`."""
    found = None
    for ins in stage.stage.instructions:
        if ins is before:
            break
        if ins.keyword == "ARG":
            for k, v, w in key_values(ins.args, legacy=False):
                if k == "GOPROXY":
                    found = (ins, v, w)
    return found


def _fix(ctx, df, stage, run_ins, env_ins, overrides, fetching, declared):
    """(fix, why none is offered)."""
    values = {v for _, _, v in overrides} | ({env_ins[1]} if env_ins else set())
    if len(values) > 1:
        return None, "the stage hard-codes several GOPROXY values"
    if any(edit is None for _, edit, _ in overrides):
        return None, "an override is written in a way this fix cannot remove cleanly"
    hard = next(iter(values), None)
    if hard is not None and any((gc.setting("GOPROXY") or None) != hard for gc in fetching
                                if gc.run.deps_ready_before is None):
        return None, f"a download that uses another GOPROXY today would start to use {hard}"
    edits = [edit for _, edit, _ in overrides]
    if declared:
        arg = _arg_goproxy(stage, run_ins)
        if arg is None:
            return None, "the `ARG GOPROXY` in effect is not one this fix can edit"
        ins, default, word = arg
        if hard is not None and default != hard:
            start = ins.text_offset(word.start)
            end = ins.text_offset(word.end - 1) + 1
            edits.append(replace_span(start, end, f"GOPROXY={_quote(hard)}"))
        line = f"`ARG GOPROXY={hard}`"
    else:
        default = hard if hard is not None else ctx.settings.goproxy
        line = "ARG GOPROXY" + (f"={_quote(default)}" if default else "")
        edits.append(insert_lines_before(df, run_ins, [line]))
        line = f"`{line}`"
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
    removed = (["the ENV GOPROXY"] if env_ins else []) + (["the GOPROXY override"] if overrides else [])
    how = (f"make {line} the default" if declared else f"insert {line}") + \
        (" and remove " + " and ".join(removed) if removed else "")
    return Fix(tuple(sorted(edits, key=lambda e: e.start)), SAFE, how, layout="" if declared else "follows"), None


def _quote(value: str) -> str:
    if any(c in value for c in " \t\"'$\\"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value

"""The build changes go.mod/go.sum instead of building the committed ones.

The committed go.mod and go.sum say exactly which module versions the program
is built from; `go build` (default `-mod=readonly`) refuses to change them.
These commands rewrite them inside the image, so the binary is built from
dependencies nobody reviewed, and the same commit can produce different
images on different days:

- `go mod tidy` (it adds, upgrades and removes requirements; `go mod tidy -diff`
  only reports, and is fine);
- `go get <module>` (or `go get -u ./...`) with go.mod in place: it adds or
  upgrades a dependency;
- `-mod=mod` on a go command, or in GOFLAGS: go updates go.mod and go.sum
  as it resolves imports.

Decisions: a `go get` that runs before any go.mod is in place (nothing copied
or bind-mounted yet) is a program install, GDL106's business, not a
dependency change, and so is one in a build context without go.mod (a
GOPATH-era tree) or on a builder older than Go 1.11. `GO111MODULE=off` builds
are not in module mode and are not judged. `-mod=mod` in GOFLAGS is reported
once per stage, at the first go command it reaches.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go mod tidy
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Fix (unsafe: the build no longer repairs an untidy go.mod): `go mod tidy` is
removed when a later `go build`/`go install` of the same stage builds the
program (the whole RUN when it is the only command, else the command and its
`&&`); otherwise it becomes `go mod tidy -diff`, which fails loudly when
go.mod is not tidy (Go 1.23 or later; no fix on an older builder image).
`go get` and `-mod=mod` have no fix: the committed go.mod must be updated by
the developer. Neither has a `go mod tidy` after a `go mod init` of the same
stage (a build that makes its go.mod): without the tidy that go.mod requires
nothing and the build fails.
"""

from __future__ import annotations

from godockerlint.analysis import image_tag
from godockerlint.buildcontext import version_tuple
from godockerlint.commandedits import insert_words_after, remove_command
from godockerlint.edits import delete_instruction
from godockerlint.findings import UNSAFE, Fix

CODE = "GDL105"
NAME = "build-mutates-go-mod"
SEVERITY = "warning"
FIX = "unsafe"
SUMMARY = "`go mod tidy`, `go get` or `-mod=mod` in the build: the image is not built from the committed go.mod."


def check(ctx):
    facts = ctx.facts
    for sf in facts.stages:
        goflags_reported = False
        commands = sf.go_commands
        for i, gc in enumerate(commands):
            if (gc.setting("GO111MODULE") or "").lower() == "off":
                continue
            run = gc.run
            if gc.subcommand == "mod tidy" and "diff" not in gc.flags:
                later_build = any(g.subcommand in ("build", "install") for g in commands[i + 1:])
                init = next((g for g in commands[:i] if g.subcommand == "mod init"), None)
                message = ("`go mod tidy` rewrites go.mod and go.sum during the build, so the image is not built from "
                           "the committed ones; run it before committing"
                           + (" and drop it here" if later_build else " and use `go mod tidy -diff` here to fail on drift"))
                fix = None
                if init is not None:  # the go.mod is made here: without this tidy it requires nothing
                    message += (f" (no fix: it fills the go.mod that `go mod init` on line {init.span.line} creates, "
                                f"so commit go.mod and go.sum first)")
                else:
                    fix = _tidy_fix(ctx, sf, gc, later_build)
                yield ctx.report(gc.span, message, fix=fix)
            elif gc.subcommand == "get" and run.gomod_in_place and not _before_modules(sf):
                what = " ".join(p for p in gc.packages) or "."
                yield ctx.report(
                    gc.span,
                    f"`go get {what}` changes the requirements in go.mod during the build; run it in the repository "
                    f"and commit go.mod and go.sum",
                )
            if gc.flags.get("mod") == "mod":
                yield ctx.report(
                    facts.word_span(gc, gc.flag_words["mod"]),
                    f"`go {gc.subcommand} -mod=mod` lets go update go.mod and go.sum while building; drop the flag "
                    f"(the default -mod=readonly builds exactly what is committed)",
                )
            elif "mod" not in gc.flags and not goflags_reported and _goflags_mod_mod(gc.setting("GOFLAGS")):
                goflags_reported = True
                yield ctx.report(
                    gc.span,
                    f"`GOFLAGS` contains -mod=mod, so `go {gc.subcommand}` may update go.mod and go.sum while building; "
                    f"remove it from GOFLAGS",
                )


def _before_modules(sf) -> bool:
    """A builder image older than Go 1.11 knows no modules: its `go get` works in GOPATH mode."""
    version = version_tuple(image_tag(sf.root_base) or "") if sf.toolchain_base else None
    return version is not None and len(version) >= 2 and version < (1, 11)


def _goflags_mod_mod(goflags: str | None) -> bool:
    return bool(goflags) and any(w in ("-mod=mod", "--mod=mod") for w in goflags.split())


def _tidy_fix(ctx, sf, gc, later_build: bool) -> Fix | None:
    facts = ctx.facts
    run = gc.run
    if later_build:
        top = [c for c, _, _ in run.commands if c.nested_in is None]
        if len(top) == 1 and top[0] is gc.command:
            edit = delete_instruction(ctx.dockerfile, run.instruction)
        else:
            edit = remove_command(facts, run, gc.command)
        if edit is None:
            return None
        return Fix((edit,), UNSAFE, "remove `go mod tidy` (a later go build uses the committed go.mod)")
    version = version_tuple(image_tag(sf.root_base) or "") if sf.toolchain_base else None
    if version is not None and len(version) >= 2 and version < (1, 23):
        return None
    index = next((k for k, w in enumerate(gc.words) if w.value == "tidy"), None)
    if index is None:
        return None
    edit = insert_words_after(facts, gc, index, "-diff")
    if edit is None:  # offsets that cannot be trusted (a <<- heredoc body with its tabs stripped)
        return None
    return Fix((edit,), UNSAFE, "`go mod tidy -diff`: fail instead of rewriting go.mod (needs Go 1.23+)")

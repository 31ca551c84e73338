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

- `go mod init` in the build: the image gets a go.mod nobody committed, and
  the `go mod tidy` or `go build` after it picks whatever versions are newest
  that day (one finding for `go mod init && go mod tidy`).

Decisions: a `go get` that runs before any go.mod is in place (nothing copied
or bind-mounted yet) is a program install, GDL106's business, not a
dependency change, and so is one in a build context without go.mod (a
GOPATH-era tree). A stage in GOPATH mode (the analysis's module mode: Go <
1.11, `GO111MODULE=off`, Go 1.11-1.15 without go.mod in view) is not judged
for `go get`. `-mod=mod` in GOFLAGS is reported
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

Anti-pattern (go mod init):

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY *.go ./
RUN go mod init example.com/app && go mod tidy && go build -o /out/app .
```

Best practice (GOPATH era):

```dockerfile
FROM golang:1.10
WORKDIR /go/src/github.com/acme/app
COPY . .
RUN go get -d ./... && go install ./...
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
            if gc.subcommand == "mod init":
                tidy = any(g.subcommand == "mod tidy" for g in commands[i + 1:])
                yield ctx.report(
                    gc.span,
                    "`go mod init` makes up a go.mod during the build"
                    + (" and `go mod tidy` fills it with" if tidy else ", so the build resolves") +
                    " whatever module versions are newest that day: the image is built from dependencies nobody "
                    "committed; commit go.mod and go.sum and copy them instead (no fix: there is no committed go.mod to copy)",
                )
            elif gc.subcommand == "mod tidy" and "diff" not in gc.flags:
                if any(g.subcommand == "mod init" for g in commands[:i]):
                    continue  # part of the `go mod init` finding (and never removed: it fills that go.mod)

                later_build = any(g.subcommand in ("build", "install") for g in commands[i + 1:])
                fix, why = _tidy_fix(ctx, sf, gc, later_build)
                yield ctx.report(
                    gc.span,
                    "`go mod tidy` rewrites go.mod and go.sum during the build, so the image is not built from the "
                    "committed ones; run it before committing"
                    + (" and drop it here" if later_build else " and use `go mod tidy -diff` here to fail on drift")
                    + (f" (no fix: {why})" if why else ""),
                    fix=fix,
                )
            elif gc.subcommand == "get" and run.gomod_in_place and not gc.gopath_mode:
                what = " ".join(p for p in gc.packages) or "."
                yield ctx.report(
                    gc.span,
                    f"`go get {what}` changes the requirements in go.mod during the build; run it in the repository "
                    f"and commit go.mod and go.sum (no fix: only the developer can update the committed go.mod)",
                )
            if gc.flags.get("mod") == "mod":
                yield ctx.report(
                    facts.word_span(gc, gc.flag_words["mod"]),
                    f"`go {gc.subcommand} -mod=mod` lets go update go.mod and go.sum while building; drop the flag "
                    f"(the default -mod=readonly builds exactly what is committed; no fix: without it a go.mod "
                    f"that is not tidy fails the build, so tidy and commit it first)",
                )
            elif "mod" not in gc.flags and not goflags_reported and _goflags_mod_mod(gc.setting("GOFLAGS")):
                goflags_reported = True
                yield ctx.report(
                    gc.span,
                    f"`GOFLAGS` contains -mod=mod, so `go {gc.subcommand}` may update go.mod and go.sum while building; "
                    f"remove it from GOFLAGS (no fix: without it a go.mod that is not tidy fails the build, so tidy "
                    f"and commit it first)",
                )


def _goflags_mod_mod(goflags: str | None) -> bool:
    return bool(goflags) and any(w in ("-mod=mod", "--mod=mod") for w in goflags.split())


def _tidy_fix(ctx, sf, gc, later_build: bool) -> tuple[Fix | None, str | None]:
    """(fix, why none is offered)."""
    facts = ctx.facts
    run = gc.run
    if later_build:
        top = [c for c, _, _ in run.commands if c.nested_in is None]
        if len(top) == 1 and top[0] is gc.command:
            edit = delete_instruction(ctx.dockerfile, run.instruction)
        else:
            edit = remove_command(facts, run, gc.command)
        if edit is None:
            return None, "`go mod tidy` cannot be cut out of this RUN on its own"
        return Fix((edit,), UNSAFE, "remove `go mod tidy` (a later go build uses the committed go.mod)"), None
    if not sf.go_version.at_least((1, 23)):
        return None, f"`go mod tidy -diff` needs Go 1.23 and this stage has Go {sf.go_version}"
    index = next((k for k, w in enumerate(gc.words) if w.value == "tidy"), None)
    edit = None if index is None else insert_words_after(facts, gc, index, "-diff")
    if edit is None:  # offsets that cannot be trusted (a <<- heredoc body with its tabs stripped)
        return None, "the command's place in this RUN is not known exactly enough to edit it"
    return Fix((edit,), UNSAFE, "`go mod tidy -diff`: fail instead of rewriting go.mod (needs Go 1.23+)"), None

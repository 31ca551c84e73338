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

No fix: each of these commands repairs a go.mod that is not tidy (a missing
requirement, a go.sum without the hashes of a new import), and the build
without it, or with `go mod tidy -diff`, then fails. Whether the committed
go.mod is tidy can only be told by the go command, so the developer runs
`go mod tidy` (or updates the requirement), commits go.mod and go.sum, and
then drops the command from the Dockerfile (or makes it `go mod tidy -diff`,
Go 1.23 or later, to fail the build on drift).
"""

from __future__ import annotations

CODE = "GDL105"
NAME = "build-mutates-go-mod"
SEVERITY = "warning"
FIX = "none"
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
                yield ctx.report(
                    gc.span,
                    "`go mod tidy` rewrites go.mod and go.sum during the build, so the image is not built from the "
                    "committed ones; run it before committing"
                    + (" and drop it here" if later_build else " and use `go mod tidy -diff` here to fail on drift")
                    + " (no fix: without it a go.mod that is not tidy fails the build, so tidy and commit it first)",
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

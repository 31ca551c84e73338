"""A Go program is installed with `go get`, or with `go install` at no fixed version.

`go get <pkg>` to install a tool (protoc-gen-go, mockgen, swag, ...) stopped
building and installing programs in Go 1.18: in module mode it only edits a
go.mod, and outside a module it fails. The build either breaks or silently
installs nothing (error; warning on a builder image older than 1.18, where it
still works but is deprecated).

`go install <pkg>@latest` (or `@master`, `@main`, `@v1`, any query that is
not an exact version) installs whatever was published last: the image changes
without any change to the Dockerfile, and a compromised release goes straight
in. `go install <pkg>` with no version outside a module fails ("version is
required when current directory is not in a module") (warning).

Decisions (rules.md revision 2: the rule is about installing a program):
the stage's Go version and module mode come from the analysis. In GOPATH
mode (Go < 1.11, `GO111MODULE=off`, or Go 1.11-1.15 without a go.mod in
view) `go get` is how libraries are fetched into GOPATH (a prefetch chain)
and `go install` builds from GOPATH/src: not reported. A program fetched
there (a `/cmd/` path, or one whose name the Dockerfile runs later: `go get
github.com/tools/godep && godep restore`) is installed at whatever its
default branch holds: a warning that says `go install pkg@version` needs
Go >= 1.16 (pin with a go.mod or a fixed checkout). In module mode a `go get` runs "to install a program" when no
go.mod is in place (nothing copied or bind-mounted before it) and it is not
`go get -d`; with go.mod in place it is a dependency change (GDL105). Before
Go 1.16 (`GO111MODULE=on go get tool@v1.2.3`, the way to install a pinned tool
then) only an unpinned `go get` is reported, and the message does not
recommend `go install pkg@version`, which needs Go >= 1.16. A `go install` is
pinned by an exact version (`@v1.2.3`, a pseudo-version, a commit hash), by a
version coming from a variable (`@${MOCKGEN_VERSION}`), or, without `@`, by
the go.mod of the module it runs in. Local paths (`.`, `./cmd/x`, `../...`,
`/src/cmd/x`) and standard-library paths (no dot in the first element:
`cmd/...`, `std`) are exempt. At most one finding per RUN: the first, with
the number of others in its message.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS tools
RUN go install github.com/golang/mock/mockgen@latest
```

Best practice:

```dockerfile
FROM golang:1.25 AS tools
ARG MOCKGEN_VERSION=v1.6.0
RUN go install github.com/golang/mock/mockgen@${MOCKGEN_VERSION}
```

Best practice (GOPATH era):

```dockerfile
FROM golang:1.9
WORKDIR /go/src/github.com/acme/app
RUN go get github.com/gorilla/mux github.com/lib/pq
COPY . .
RUN go install ./...
```

Best practice (module with go.mod):

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go install github.com/golang/mock/mockgen
```

Anti-pattern (GOPATH-era program):

```dockerfile
FROM golang:1.12
RUN go get -u github.com/golang/dep/cmd/dep
```

Anti-pattern (tool before Go 1.16):

```dockerfile
FROM golang:1.13 AS tools
RUN GO111MODULE=on go get github.com/golang/mock/mockgen@latest
```

Fix (unsafe): `go get <pkg>` becomes `go install <pkg>@<version>` with the
version written in the `go get` argument, or `@latest` when it has none (the
fix never invents a version; GDL106 then asks to pin it). Only for one
package, on a builder of Go 1.16 or later (or an unknown version); flags
`-u`, `-d`, `-t`, `-insecure`, `-f` and `-fix` are dropped. `go install ...@latest`
has no fix: the version to pin is the owner's choice.
"""

from __future__ import annotations

import re

from godockerlint.edits import replace_span
from godockerlint.findings import UNSAFE, Fix

CODE = "GDL106"
NAME = "go-install-unpinned"
SEVERITY = "error"
FIX = "unsafe"
SUMMARY = "A program is installed with `go get`, or with `go install` at @latest or no version."

EXACT_VERSION_RE = re.compile(r"^(v\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?|[0-9a-f]{7,40})$")
DROPPED_GET_FLAGS = frozenset({"u", "d", "t", "insecure", "f", "fix"})


#: Why an unpinned install has no fix (said in its message).
_PIN_CHOICE = "which version to pin is the owner's choice"


def check(ctx):
    facts = ctx.facts
    for sf in facts.stages:
        version = sf.go_version
        for run in sf.runs:
            found = [f for gc in run.go_commands for f in _problems(facts, gc, version)]
            if not found:
                continue
            span, message, severity, fix, why = found[0]
            notes = []
            if len(found) > 1:
                notes.append(f"and {len(found) - 1} more in this RUN")
                fix, why = None, why or "a RUN with several is edited by hand"
            if fix is None:
                notes.append(f"no fix: {why}")
            if notes:
                message += f" ({'; '.join(notes)})"
            yield ctx.report(span, message, severity=severity, fix=fix)


def _problems(facts, gc, version):
    """(span, message, severity, fix, why no fix) for each unpinned program install of one go command."""
    run = gc.run
    if gc.gopath_mode:
        # GOPATH mode: `go get` of libraries is a prefetch and `go install` builds GOPATH/src; only a program
        # fetched at whatever its default branch holds is an unpinned install
        if gc.subcommand == "get" and "d" not in gc.flags:
            programs = [p for p in gc.packages if not _local(p) and _program(facts, p)]
            if programs:
                needs = version.needs("go install pkg@version") or "needs Go >= 1.16"
                yield (gc.span, f"`go get {' '.join(programs)}` installs whatever was published last; "
                                f"`go install <pkg>@<version>` {needs} (Go {version} here): pin it with a go.mod "
                                f"or a fixed checkout", "warning", None, _PIN_CHOICE)
        return
    v = version.version
    if gc.subcommand == "get":
        if run.gomod_in_place or "d" in gc.flags or not gc.packages or all(_local(p) for p in gc.packages):
            return  # with go.mod in place a `go get` edits requirements (GDL105)
        what = " ".join(gc.packages)
        if not version.has_install_at_version:  # GO111MODULE=on before Go 1.16: the way to install a pinned tool
            loose = [p for p in gc.packages if not _pinned(p)]
            if loose:
                yield (gc.span, f"`go get {' '.join(loose)}` installs whatever was published last; pin an exact "
                                f"version (`go get <pkg>@vX.Y.Z`; `go install <pkg>@version` needs Go >= 1.16)",
                       "warning", None, _PIN_CHOICE)
            return
        old = v is not None and version.effective < (1, 18)
        message = (
            f"`go get {what}` to install a program is deprecated before Go 1.18; use `go install <pkg>@<version>`"
            if old else
            f"`go get {what}` no longer builds or installs programs (Go 1.18+); use `go install <pkg>@<version>`"
        )
        fix, why = _get_fix(facts, gc, v)
        yield (gc.span, message, "warning" if old else "error", *_get_fix(facts, gc, v))
    elif gc.subcommand == "install":
        for word in _package_words(gc):
            pkg = word.value
            if _local(pkg):
                continue
            path, at, ver = pkg.partition("@")
            if at:
                if "$" in ver or EXACT_VERSION_RE.match(ver):
                    continue
                yield (facts.word_span(gc, word),
                       f"`go install {pkg}` installs whatever was published last, so the image changes on its "
                       f"own; pin an exact version, e.g. `{path}@vX.Y.Z` from an ARG", "warning", None,
                       _PIN_CHOICE)
            elif not run.gomod_in_place:
                yield (facts.word_span(gc, word),
                       f"`go install {pkg}` has no version and no go.mod to take it from: go fails with "
                       f"\"version is required when current directory is not in a module\"; write "
                       f"`{path}@vX.Y.Z`", "warning", None, _PIN_CHOICE)


def _program(facts, pkg: str) -> bool:
    """Is this GOPATH-mode `go get` path a program (a `/cmd/` package, or one whose name the Dockerfile runs
    later: `go get github.com/tools/godep && godep restore`, `CMD ["server"]`), not a library?"""
    path = pkg.split("@", 1)[0].rstrip("/")
    if "/cmd/" in path + "/" and not path.endswith("/..."):
        return True
    name = path.rsplit("/", 1)[-1]
    if not name or name == "...":
        return False
    for sf in facts.stages:
        for run in sf.runs:
            if any(cmd.name.rsplit("/", 1)[-1] == name for cmd, _, _ in run.commands):
                return True
        for ins in sf.stage.instructions:
            if ins.keyword in ("CMD", "ENTRYPOINT"):
                first = ins.json_args[0] if ins.json_args else (ins.args.split() or [""])[0]
                if first.rsplit("/", 1)[-1] == name:
                    return True
    return False


def _pinned(pkg: str) -> bool:
    _, at, ver = pkg.partition("@")
    return bool(at) and ("$" in ver or bool(EXACT_VERSION_RE.match(ver)))


def _local(pkg: str) -> bool:
    if pkg.startswith((".", "/")) or "$" in pkg.split("@", 1)[0]:
        return True
    first = pkg.split("@", 1)[0].split("/", 1)[0]
    return "." not in first


def _package_words(gc):
    """The ShellWords of the package arguments (after the subcommand, not flags or their values)."""
    words = gc.words
    flag_values = set()
    for name, w in gc.flag_words.items():
        if "=" not in w.value and gc.flags.get(name) not in (None, "true"):
            idx = next((i for i, x in enumerate(words) if x is w), None)
            if idx is not None and idx + 1 < len(words):
                flag_values.add(id(words[idx + 1]))
    out = []
    seen_sub = False
    for w in words[1:]:
        if not seen_sub:
            seen_sub = w.value == gc.subcommand.split()[-1]
            continue
        if w.value.startswith("-") or id(w) in flag_values:
            continue
        out.append(w)
    return out


def _get_fix(facts, gc, image_version) -> tuple[Fix | None, str | None]:
    """(fix, why none is offered)."""
    if not gc.run.stage.go_version.has_install_at_version:
        return None, "`go install pkg@version` needs Go >= 1.16"
    pkgs = _package_words(gc)
    if len(pkgs) != 1:
        return None, "`go install` of several packages at versions is written by hand"
    if _local(pkgs[0].value):
        return None, "a local package pattern has no version to install"  # never a @version on ./..., ., ../...
    words = gc.words
    sub = next((i for i, w in enumerate(words) if w.value == "get"), None)
    if sub is None:
        return None, "the `get` word is written in a way this fix does not edit"
    kept = []
    for w in words[sub + 1:]:
        if w is pkgs[0]:
            continue
        name = w.value.lstrip("-").split("=", 1)[0]
        if not w.value.startswith("-"):
            return None, f"the argument `{w.value}` is not a shape this fix knows"  # a flag value
        if name in DROPPED_GET_FLAGS:
            continue
        kept.append(w.raw)
    pkg = pkgs[0].value
    if "@" not in pkg:
        pkg += "@latest"
    start = facts.word_span(gc, words[sub]).start
    end = facts.word_span(gc, words[-1]).end
    text = " ".join(["install", *kept, pkg])
    return Fix((replace_span(start, end, text),), UNSAFE,
               f"`go {text}` (check the version: GDL106 asks to pin it)"), None

"""A go invocation is malformed, or a Go setting is misspelled and silently does nothing.

- `go build -s -w`: `-s` and `-w` are linker flags; go rejects them
  ("flag provided but not defined: -s"). They belong in `-ldflags="-s -w"`.
- `go build -i` / `go test -i`: removed in Go 1.20; the build fails.
- A variable that go would read, misspelled: `cgo_enabled=0` (go reads only
  upper case), `CGOENABLED`, `GO_PROXY`, `GOPROXIES`, `GO111MODULES`,
  `GOMAXPROC`... The ENV/ARG/inline assignment is accepted by the shell and by
  Docker, go never sees it, and the build quietly uses the default: cgo stays
  on, the mirror is not used, the runtime tuning is ignored.

A name is taken for a misspelling of a Go variable when it is not one itself
and it is the same name in another case, the same without underscores, or
(for names starting with GO/CGO) very close to one (a similarity of 0.85 or
more, or a suffixed form such as `GOPROXIES`). Names the Dockerfile reads itself (`$GO_VERSION`, `${GO_OS}`) are the
author's own variables and are never flagged, nor is `GOLANG_VERSION`.
Misspellings in `go env -w` are left alone: go rejects those loudly.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
ENV CGOENABLED=0
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
ENV CGO_ENABLED=0
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

- A flag go does not define, on `go build`, `go install` or `go get`
  (`go get -dR`: go's flags cannot be combined like `ls -la`): go stops with
  "flag provided but not defined". Only the flags before the first package
  are read; `go test` passes unknown flags to the test binary and is not judged.
  `-i` is reported only where the stage's Go (from the analysis) is 1.20 or
  later: older toolchains still have it.

Anti-pattern (combined flags):

```dockerfile
FROM golang:1.12
WORKDIR /go/src/github.com/acme/app
COPY . .
RUN go get -dR ./... && go install ./...
```

Best practice (old Go keeps -i):

```dockerfile
FROM golang:1.10
WORKDIR /go/src/github.com/acme/app
COPY . .
RUN go get -d ./... && go build -i -o /go/bin/app .
```

Fix: `-s -w` become `-ldflags="-s -w"` (when there is no `-ldflags`) and
`-i` is removed (safe: the build failed before). A misspelled variable is
renamed when exactly one Go variable matches (safe; unsafe for an ENV of the
final stage, where the renamed variable changes the running program's
environment, e.g. GOMAXPROCS or GODEBUG); otherwise the message suggests
and there is no fix.
"""

from __future__ import annotations

import re

from godockerlint.analysis import assignments
from godockerlint.commandedits import remove_words
from godockerlint.commandedits import word_span as checked_span
from godockerlint.edits import replace_span
from godockerlint.findings import SAFE, UNSAFE, Edit, Fix

CODE = "GDL305"
NAME = "go-flag-or-env-typo"
SEVERITY = "error"
FIX = "safe/unsafe"
SUMMARY = "Malformed go flags (-s -w without -ldflags, removed -i) or misspelled Go variables."

GO_VARIABLES = frozenset({
    "GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GONOSUMCHECK", "GOSUMDB", "GOFLAGS", "GOOS", "GOARCH",
    "GOARM", "GOARM64", "GOAMD64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM", "GOCACHE",
    "GOMODCACHE", "GOPATH", "GOROOT", "GOBIN", "GOTOOLCHAIN", "GOWORK", "GOINSECURE", "GOVCS", "GOENV",
    "GOEXPERIMENT", "GODEBUG", "GOTMPDIR", "GOGC", "GOMAXPROCS", "GOMEMLIMIT", "GOTRACEBACK", "GOAUTH",
    "GOCOVERDIR", "GOTELEMETRY", "GOFIPS140", "GO111MODULE", "GOCACHEPROG", "GCCGO", "CGO_ENABLED",
    "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS", "CGO_FFLAGS", "CGO_CFLAGS_ALLOW",
    "CGO_LDFLAGS_ALLOW", "GOTOOLDIR",
})
NOT_TYPOS = frozenset({"GOLANG_VERSION", "GO_VERSION", "GOVERSION", "GOLANG", "GOPATH_BIN"})
REMOVED_FLAGS = {"i": "1.20"}
FLAG_COMMANDS = frozenset({"build", "install", "test", "run", "vet", "list"})


def suggestions(name: str) -> list[str]:
    """The Go variables `name` looks like a misspelling of ([] when it is one, or looks like none)."""
    if name in GO_VARIABLES or name.upper() in NOT_TYPOS:
        return []
    upper = name.upper()
    if upper in GO_VARIABLES:
        return [upper]
    squashed = upper.replace("_", "")
    same = sorted(v for v in GO_VARIABLES if v.replace("_", "") == squashed)
    if same:
        return same
    if not upper.startswith(("GO", "CGO")) or len(upper) < 5:
        return []
    import difflib  # only when a name looks like a Go variable: linting stays free of difflib otherwise

    scored = [(difflib.SequenceMatcher(None, upper, v).ratio(), v) for v in GO_VARIABLES]
    best = max(s for s, _ in scored)
    if best >= 0.85:
        return sorted(v for s, v in scored if s == best)
    # a plural or suffixed form: GOPROXIES, GOFLAG
    return sorted(v for v in GO_VARIABLES
                  if abs(len(upper) - len(v)) <= 3 and _common_prefix(upper, v) >= max(len(v) - 1, 5))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def check(ctx):
    yield from _flags(ctx)
    yield from _variables(ctx)


def _flags(ctx):
    facts = ctx.facts
    for stage in facts.stages:
        for gc in stage.go_commands:
            unknown = _unknown_flag(gc)
            if unknown is not None:
                word, why = unknown
                yield ctx.report(
                    facts.word_span(gc, word),
                    f"`go {gc.subcommand} {word.value}`: go rejects it (\"flag provided but not defined: "
                    f"{word.value.split('=', 1)[0]}\") and the build fails; {why} (no fix: which flag was meant "
                    f"is the author's to say)",
                )
            if gc.subcommand not in FLAG_COMMANDS:
                continue
            sw = [n for n in ("s", "w") if n in gc.flag_words]
            if sw and "ldflags" not in gc.flags:
                words = [gc.flag_words[n] for n in sw]
                idx = sorted(gc.words.index(w) for w in words)
                fix = None
                first = checked_span(facts, gc, gc.words[idx[0]])
                last = checked_span(facts, gc, gc.words[idx[-1]])
                if (len(idx) == 1 or idx[1] == idx[0] + 1) and first is not None and last is not None:
                    value = " ".join("-" + n for n in ("s", "w") if n in sw)
                    fix = Fix((replace_span(first.start, last.end, f'-ldflags="{value}"'),), SAFE,
                              f'move {value} into -ldflags')
                flags = " ".join("-" + n for n in sw)
                yield ctx.report(
                    facts.word_span(gc, words[0]),
                    f"`go {gc.subcommand} {flags}`: {flags} are linker flags, go rejects them "
                    f"(\"flag provided but not defined\"); write -ldflags=\"{flags}\""
                    + ("" if fix else " (no fix: -s and -w are not written next to each other)"),
                    fix=fix,
                )
            for name, version in REMOVED_FLAGS.items():
                word = gc.flag_words.get(name)
                if word is None:
                    continue
                if not stage.go_version.at_least(tuple(int(x) for x in version.split("."))):
                    continue  # still there in this stage's Go
                edit = remove_words(facts, gc, gc.words.index(word))
                yield ctx.report(
                    facts.word_span(gc, word),
                    f"`go {gc.subcommand} -{name}` was removed in Go {version}: the build fails with "
                    f"\"flag provided but not defined: -{name}\"; remove it"
                    + ("" if edit else " (no fix: where the flag sits in this RUN is not known exactly enough)"),
                    fix=Fix((edit,), SAFE, f"remove -{name}") if edit else None,
                )


def _unknown_flag(gc):
    """(word, advice) for the first flag of `go build|install|get` that go does not define, or None.

    Only the flags before the first package are read (later words of `go run` belong to the
    program); `go test` is not judged (unknown flags go to the test binary)."""
    known = KNOWN_FLAGS.get(gc.subcommand)
    if known is None:
        return None
    from godockerlint.analysis import BOOL_VALUE_FLAGS, VALUE_FLAGS

    words = gc.words
    i = next((k for k, w in enumerate(words[1:], 1) if w.value == gc.subcommand), len(words)) + 1
    while i < len(words):
        v = words[i].value
        if v == "--" or not v.startswith("-") or v == "-":
            return None  # the first package: what follows may belong to the program
        name = v.lstrip("-").split("=", 1)[0]
        if name in VALUE_FLAGS and name not in BOOL_VALUE_FLAGS and "=" not in v:
            i += 2  # its value is the next word (`-ldflags "-s -w"`)
            continue
        i += 1
        if not name or name in known or "$" in name or name in ("s", "w"):
            continue  # -s/-w: reported as linker flags above
        w = words[i - 1]
        letters = [c for c in name if c in known]
        if len(name) > 1 and len(letters) == len(name):
            return w, f"go flags cannot be combined: write {' '.join('-' + c for c in name)}"
        if len(name) > 1 and name[0] in known and len(name) <= 3:
            ok = " ".join("-" + c for c in name if c in known)
            return w, f"write {ok}"
        return w, "remove it or fix its name"
    return None


BUILD_FLAGS = frozenset({
    "a", "asan", "asmflags", "buildmode", "buildvcs", "C", "compiler", "cover", "covermode", "coverpkg",
    "gccgoflags", "gcflags", "installsuffix", "ldflags", "linkshared", "mod", "modcacherw", "modfile", "msan",
    "n", "o", "overlay", "p", "pgo", "pkgdir", "race", "tags", "toolexec", "trimpath", "v", "work", "x", "i",
    "json", "getmode",
})
KNOWN_FLAGS = {
    "build": BUILD_FLAGS,
    "install": BUILD_FLAGS,
    "get": BUILD_FLAGS | {"d", "t", "u", "insecure", "f", "fix", "m", "tool"},
}


def _variables(ctx):
    facts = ctx.facts
    df = ctx.dockerfile
    referenced = _referenced_names(df)
    final = facts.final
    for a in assignments(facts):
        if a.kind == "go-env-w" or a.kind == "export" and a.run is not None and not a.run.go_commands:
            continue
        if a.name in referenced:
            continue
        cands = suggestions(a.name)
        if not cands:
            continue
        fix = None
        if len(cands) == 1 and df.text[a.span.start:a.span.start + len(a.name)] == a.name:
            runtime = a.kind == "env" and a.stage is final
            fix = Fix((Edit(a.span.start, a.span.start + len(a.name), cands[0]),), UNSAFE if runtime else SAFE,
                      f"rename {a.name} to {cands[0]}" + (" (unsafe: the final image's environment changes)"
                                                          if runtime else ""))
        mean = cands[0] if len(cands) == 1 else " or ".join(cands)
        yield ctx.report(
            a.span,
            f"`{a.name}` is not a Go variable, so go ignores it and uses its default; did you mean {mean}?"
            + ("" if fix else " (no fix: " + ("which one is meant is the author's to say)" if len(cands) > 1
                                             else "the name is not written plainly enough to rename)")),
            fix=fix,
        )


def _referenced_names(df) -> set[str]:
    """Variable names the Dockerfile expands somewhere (`$NAME`, `${NAME...}`)."""
    out: set[str] = set()
    for ins in df.instructions:
        texts = [ins.args] + [f.value or "" for f in ins.flags] + [h.body for h in ins.heredocs]
        for t in texts:
            out.update(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", t))
    return out

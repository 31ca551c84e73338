"""The shipped binary is built without `-trimpath` or without `-ldflags "-s -w"`.

- Without `-trimpath`, the binary records the absolute paths of the build
  machine (`/src/...`, `/go/pkg/mod/...`) in its file table and stack traces:
  two builds of the same commit in different folders differ, which defeats
  reproducible builds and provenance checks.
- Without `-s -w` in `-ldflags`, the binary carries its symbol table and
  DWARF debug information: typically 25-30% of its size, in every image pull,
  for debuggers that never run in production. Since Go 1.22 `-s` implies `-w`,
  so `-s` alone counts.

Only builds whose binary ships are judged (rules.md revision 2;
godockerlint.analysis.artifacts): the final stage copies the build's output (also
through other stages), or the build runs in the final stage (a single-stage
image) and writes a file: warm-up builds (`go build ./...` without `-o`),
tests, tool installs and outputs the final never copies are left alone, and so is
an image whose purpose is the toolchain (a test, lint, CI or live-reload dev image,
see GDL401): what it runs is not a release. Debug builds
(`-gcflags "all=-N -l"`, for delve) are not judged: a debugger needs what
`-s -w` strips. A binary the stage strips itself afterwards (`strip` or `upx` on
the `-o` output, in that RUN or a later one) has no symbols left to ask about. One
finding per RUN (an if/else with two `go build` branches is one finding, one
fix for both). `-trimpath` is not asked for where the stage's Go is older
than 1.13 (it has no such flag).
Flags given through `GOFLAGS` (`-trimpath`, `-ldflags=-s`) count.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice (a build that never ships):

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build ./... && go build -o /out/app-debug .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Anti-pattern (single stage):

```dockerfile
FROM golang:1.25
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/app .
CMD ["app"]
```

Best practice (Go before 1.13):

```dockerfile
FROM golang:1.12 AS build
WORKDIR /go/src/github.com/acme/app
COPY . .
RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Go older than 1.13 (the stage's Go version: image tag, distribution package,
tarball) has no `-trimpath`: it is not asked for there.

Fix (safe: the program behaves the same; only paths and debug data go): adds
`-trimpath` and `-ldflags="-s -w"` after the subcommand. An existing
`-ldflags` value gets `-s -w ` (or just `-s ` when `-w` is there) prepended
inside its quotes, or is quoted, so `-X main.version=...` stamps stay inside
it; a second `-ldflags` would replace the first. No fix when `GOFLAGS` holds the
`-ldflags` (a command-line `-ldflags` would replace it), when `-trimpath=false`
is written on purpose, or when the value's quoting is too tangled to edit.
"""

from __future__ import annotations

import posixpath

from godockerlint.fix.commandedits import insert_words_after
from godockerlint.fix.commandedits import word_span as checked_span
from godockerlint.fix.edits import replace_span
from godockerlint.core.findings import SAFE, Fix

CODE = "GDL303"
NAME = "release-flags-missing"
SEVERITY = "info"
FIX = "safe"
SUMMARY = "The shipped binary is built without -trimpath or without -ldflags \"-s -w\"."


def check(ctx):
    from godockerlint.analysis.artifacts import shipped_builds

    facts = ctx.facts
    if facts.final_needs.purpose is not None:
        return  # a test, lint, CI or dev image: the toolchain's own work, not a release binary
    per_run: dict[int, list] = {}
    for gc in shipped_builds(facts):
        if not gc.run.stage.is_go or _debug_build(gc):
            continue
        go = gc.run.stage.go_version
        goflags = gc.setting("GOFLAGS") or ""
        trimpath = "trimpath" in gc.flags and gc.flags["trimpath"] != "false" or "-trimpath" in goflags
        if not go.has_trimpath:
            trimpath = True  # Go < 1.13 has no -trimpath: nothing to ask for
        ld = gc.flags.get("ldflags")
        goflags_ld = [x.split("=", 1)[1] for x in goflags.split() if x.startswith("-ldflags=")]
        ld_words = (ld if ld is not None else " ".join(goflags_ld)).split()
        stripped = "-s" in ld_words or _stripped_later(gc)
        missing = []
        if not trimpath:
            missing.append("-trimpath (build paths end up in the binary: not reproducible)")
        if not stripped:
            missing.append('-ldflags "-s -w" (symbol table and DWARF: a quarter of its size)')
        if missing:
            fix, why = _fix(ctx, gc, trimpath, stripped, ld, ld_words, bool(goflags_ld))
            per_run.setdefault(id(gc.run), []).append((gc, missing, fix, why))
    for found in per_run.values():
        gc, missing, fix, why = found[0]
        more = ""
        if len(found) > 1:
            more = f" (and {len(found) - 1} more go command{'s' * (len(found) > 2)} of this RUN)"
            fixes = [f for _, _, f, _ in found]
            fix = None if any(f is None for f in fixes) else Fix(
                tuple(sorted((e for f in fixes for e in f.edits), key=lambda e: e.start)), SAFE, fixes[0].message)
            why = why or next((w for _, _, f, w in found if f is None), None)
        old = gc.run.stage.go_version.needs("-trimpath")
        note = f" (-trimpath {old})" if old else ""
        yield ctx.report(gc.span, f"`go {gc.subcommand}` of the shipped binary lacks {' and '.join(missing)}; "
                                  f"add {'them' if len(missing) > 1 else 'it'}{more}" + (f" ({why})" if why else "") + note, fix=fix)


def _debug_build(gc) -> bool:
    """`-gcflags "all=-N -l"`: a build for a debugger, which needs the symbols and DWARF `-s -w` would strip."""
    words = (gc.flags.get("gcflags") or "").replace("=", " ").split()
    return "-N" in words or "-l" in words


def _stripped_later(gc) -> bool:
    """Does this RUN or a later one of the stage run `strip` or `upx` on the build's output (`go build -o
    app && upx app`, `RUN strip --strip-unneeded app`)? Then symbols and DWARF are gone already."""
    out = gc.output
    if not out:
        return False
    position, last = _strip_table(gc.run.stage)
    at = position[id(gc.run)]
    names = (out, posixpath.basename(out), posixpath.normpath(posixpath.join(gc.run.workdir, out)))
    return any(last.get(n, -1) >= at for n in names)


def _strip_table(stage):
    """({id(run): its index}, {word: index of the last RUN that strips or upx-es it}), once per stage."""
    memo = stage.facts.__dict__.setdefault("_gdl303_strip", {})
    got = memo.get(stage.index)
    if got is None:
        position, last = {}, {}
        for k, run in enumerate(stage.runs):
            position[id(run)] = k
            for cmd, _, _ in run.commands:
                words = [w.value for w in cmd.words]
                if words and words[0].rsplit("/", 1)[-1] in ("strip", "upx"):
                    for w in words[1:]:
                        last[w] = k
        got = memo[stage.index] = (position, last)
    return got


def _fix(ctx, gc, trimpath, stripped, ld, ld_words, ld_in_goflags):
    """(Fix or None, why there is none). Every flag is written once, and -s -w go inside the
    existing -ldflags value (a second -ldflags would replace the first, -X stamps and all)."""
    facts = ctx.facts
    sub_index = _subcommand_index(gc)
    if sub_index is None:
        return None, "no fix: the go command is written in a way this fix cannot edit"
    if not trimpath and gc.flags.get("trimpath") == "false":
        return None, "no fix: -trimpath=false is written on purpose"
    edits = []
    add = []
    if not trimpath:
        add.append("-trimpath")
    if not stripped:
        strip = "-s" if "-w" in ld_words else "-s -w"
        if ld is None and ld_in_goflags:
            return None, "no fix: GOFLAGS sets -ldflags, write -s -w there"
        if ld is None:
            add.append('-ldflags="-s -w"')
        else:
            edit = _merge_ldflags(facts, gc, strip)
            if edit is None:
                return None, "no fix: the -ldflags value's quoting is too tangled to edit"
            edits.append(edit)
    if add:
        edit = insert_words_after(facts, gc, sub_index, " ".join(add))
        if edit is None:  # a <<- heredoc body with its tabs stripped, a `sh -c` string of a JSON RUN
            return None, "no fix: where the command sits in this RUN is not known exactly enough to edit it"
        edits.insert(0, edit)
    return Fix(tuple(edits), SAFE, "add " + " and ".join(["-trimpath"] * (not trimpath) + ['-s -w'] * (not stripped))), None


def _subcommand_index(gc):
    first = gc.subcommand.split()[0]
    for i, w in enumerate(gc.words[1:], 1):
        if w.value == first:
            return i
    return None


def _merge_ldflags(facts, gc, strip="-s -w"):
    word = gc.flag_words["ldflags"]
    idx = gc.words.index(word)
    if "=" in word.value:
        span = checked_span(facts, gc, word)
        if span is None:
            return None
        raw = word.raw
        value_at = raw.index("=") + 1
        start = span.start + value_at
        raw_value = raw[value_at:]
    else:
        if idx + 1 >= len(gc.words):
            return None
        vw = gc.words[idx + 1]
        span = checked_span(facts, gc, vw)
        if span is None:
            return None
        start = span.start
        raw_value = vw.raw
    if raw_value[:1] in ("'", '"'):
        if raw_value[-1:] != raw_value[0] or raw_value.count(raw_value[0]) != 2:
            return None  # "-X a=b"' c': quotes this edit cannot see through
        return replace_span(start + 1, start + 1, f"{strip} ")
    if '"' in raw_value or "'" in raw_value or "\\" in raw_value:
        return None
    return replace_span(start, start + len(raw_value), f'"{strip} {raw_value}"')

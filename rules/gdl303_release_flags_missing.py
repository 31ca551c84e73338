"""The shipped binary is built without `-trimpath` or without `-ldflags "-s -w"`.

- Without `-trimpath`, the binary records the absolute paths of the build
  machine (`/src/...`, `/go/pkg/mod/...`) in its file table and stack traces:
  two builds of the same commit in different folders differ, which defeats
  reproducible builds and provenance checks.
- Without `-s -w` in `-ldflags`, the binary carries its symbol table and
  DWARF debug information: typically 25-30% of its size, in every image pull,
  for debuggers that never run in production. Since Go 1.22 `-s` implies `-w`,
  so `-s` alone counts.

Only builds whose result reaches the final image are judged: `go build` and
`go install` in stages the final stage copies from (`COPY --from=<stage>`).
Test builds, tool installs in other stages and `go run` are left alone.
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

from godockerlint.commandedits import insert_words_after
from godockerlint.commandedits import word_span as checked_span
from godockerlint.edits import replace_span
from godockerlint.findings import SAFE, Fix
from godockerlint.rules.gdl301_cgo_implicit import binary_commands, builder_stages

CODE = "GDL303"
NAME = "release-flags-missing"
SEVERITY = "info"
FIX = "safe"
SUMMARY = "The shipped binary is built without -trimpath or without -ldflags \"-s -w\"."


def check(ctx):
    facts = ctx.facts
    seen = set()
    for builder in builder_stages(facts):
        if not builder.is_go:
            continue
        go = builder.go_version
        for gc in binary_commands(builder):
            if id(gc) in seen:
                continue
            seen.add(id(gc))
            goflags = gc.setting("GOFLAGS") or ""
            trimpath = "trimpath" in gc.flags and gc.flags["trimpath"] != "false" or "-trimpath" in goflags
            if not go.has_trimpath:
                trimpath = True  # Go < 1.13 has no -trimpath: nothing to ask for
            ld = gc.flags.get("ldflags")
            goflags_ld = [x.split("=", 1)[1] for x in goflags.split() if x.startswith("-ldflags=")]
            ld_words = (ld if ld is not None else " ".join(goflags_ld)).split()
            stripped = "-s" in ld_words
            missing = []
            if not trimpath:
                missing.append("-trimpath (build paths end up in the binary: not reproducible)")
            if not stripped:
                missing.append('-ldflags "-s -w" (symbol table and DWARF: a quarter of its size)')
            if not missing:
                continue
            fix, why = _fix(ctx, gc, trimpath, stripped, ld, ld_words, bool(goflags_ld))
            yield ctx.report(
                gc.span,
                f"`go {gc.subcommand}` of the shipped binary lacks {' and '.join(missing)}; add them"
                + (f" ({why})" if why else ""),
                fix=fix,
            )


def _fix(ctx, gc, trimpath, stripped, ld, ld_words, ld_in_goflags):
    """(Fix or None, why there is none). Every flag is written once, and -s -w go inside the
    existing -ldflags value (a second -ldflags would replace the first, -X stamps and all)."""
    facts = ctx.facts
    sub_index = _subcommand_index(gc)
    if sub_index is None:
        return None, None
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
                return None, None
            edits.append(edit)
    if add:
        edit = insert_words_after(facts, gc, sub_index, " ".join(add))
        if edit is None:
            return None, None
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

"""`go build` leaves CGO_ENABLED to its default in a builder that has a C compiler, for a libc-less runtime.

go enables cgo by default when it finds a C compiler. Official Debian-based
`golang` images ship gcc, and so does any builder that installs `gcc`,
`build-base`, `build-essential` or `clang`: there the default is
`CGO_ENABLED=1`, and as soon as one package uses cgo (the standard library's
`net` and `os/user` do, unless built with the `netgo`/`osusergo` tags), the
binary is linked dynamically against the builder's libc. Copied onto
`scratch`, distroless `static` or Chainguard `static` (no libc at all), or
from a glibc builder onto alpine (musl), it dies at start with the
misleading `exec /app: no such file or directory`: the missing file is the
dynamic loader.

Fires for a `go build` / `go install` whose binary ships (rules.md revision 2;
godockerlint.analysis.artifacts: the final stage copies its output, or it runs in the
final stage; not warm-up builds, tests, or tools the final never copies), once
per RUN (the two `go build` branches of an if/else are one finding, with one
fix for both), when CGO_ENABLED is not set for it (no
ENV, ARG default, inline prefix or `go env -w`), the builder has a C compiler,
and the final base has no libc, or is alpine while the builder is glibc-based.
A glibc binary on alpine that installs `libc6-compat` or `gcompat` (glibc
stand-ins that emulate only part of it) is a warning, not an error: it starts,
and fails only where the stand-in lacks a symbol.
Not flagged: alpine builders without a compiler (go defaults to
`CGO_ENABLED=0` there), musl builders feeding alpine, builds linked with
`-ldflags '-extldflags "-static"'`, and constant non-linux GOOS (cross
builds default to cgo off). This rule reads the build context to decide how
safe the fix is, and stays silent without one.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Fix: prefixes the go command with `CGO_ENABLED=0`. Safe when the context's
Go sources have no `import "C"` and go.mod requires no module known to need
cgo (`github.com/mattn/go-sqlite3`, `github.com/confluentinc/confluent-kafka-go`,
...): the pure-Go `net` and `os/user` implementations then behave the same.
Otherwise unsafe: the build may fail without cgo, and GDL302's base change
(`distroless/base`) is the other way out.
"""

from __future__ import annotations

from godockerlint.fix.commandedits import insert_before_word
from godockerlint.analysis.cgo import CGO_ONLY_MODULES, cgo_modules  # noqa: F401
from godockerlint.analysis.finalneeds import binary_commands, builder_stages
from godockerlint.core.findings import SAFE, UNSAFE, Fix

CODE = "GDL301"
NAME = "cgo-implicit"
SEVERITY = "error"
FIX = "safe/unsafe"
SUMMARY = "`go build` without CGO_ENABLED in a builder with gcc, for a libc-less final image."
CONTEXT = True

# alpine packages that stand in for glibc's loader and part of its symbols
GLIBC_SHIMS = frozenset({"libc6-compat", "gcompat"})


def runtime_problem(builder, final, gc) -> str | None:
    """Why a dynamically linked binary from `builder` cannot run on `final`, or None."""
    if gc.links_statically:
        return None
    goos = gc.setting("GOOS")
    if goos and "$" not in goos and goos != "linux":
        return None
    libc = final.libc
    if libc is None:
        return f"{final.root_base} has no libc"
    if libc == "musl" and builder.libc == "glibc":
        return f"{final.root_base} has musl, not the builder's glibc"
    return None


def check(ctx):
    from godockerlint.analysis.artifacts import shipped_builds

    facts = ctx.facts
    context = facts.context
    if context is None:
        return
    final = facts.final
    per_run: dict[int, list] = {}
    for gc in shipped_builds(facts):
        stage = gc.run.stage
        if not stage.is_go or gc.setting("CGO_ENABLED") or not stage.has_c_compiler:
            continue
        problem = runtime_problem(stage, final, gc)
        if problem is None:
            continue
        per_run.setdefault(id(gc.run), []).append((gc, problem))
    for found in per_run.values():
        gc, problem = found[0]
        stage = gc.run.stage
        compiler = f"{stage.root_base} has gcc" if not stage.installs_c_compiler else "a C compiler is installed"
        more = f" (and {len(found) - 1} more go command{'s' * (len(found) > 2)} of this RUN)" if len(found) > 1 else ""
        shim = next((p for p in facts.final_needs.packages if p in GLIBC_SHIMS), None) \
            if final.libc == "musl" else None
        if shim:  # the author saw the start failure and installed a glibc stand-in: it works, partly
            message = (
                f"`go {gc.subcommand}` runs with CGO_ENABLED unset (1: {compiler}), so the binary links the "
                f"builder's glibc dynamically and runs on {final.root_base} (musl) only through {shim}, which "
                f"emulates part of glibc: a symbol it lacks fails at start or at first use; set "
                f"CGO_ENABLED=0 and drop {shim}{more}"
            )
            yield ctx.report(gc.span, message, fix=_joined_fix([_fix(ctx, g, context) for g, _ in found]),
                             severity="warning")
            continue
        message = (
            f"`go {gc.subcommand}` runs with CGO_ENABLED unset (1: {compiler}), so the binary links libc "
            f"dynamically and {problem}: it dies with \"no such file or directory\"; set CGO_ENABLED=0{more}"
        )
        yield ctx.report(gc.span, message, fix=_joined_fix([_fix(ctx, g, context) for g, _ in found]))


def _joined_fix(fixes):
    """One fix for every go command of a RUN (None when one of them has none)."""
    if any(f is None for f in fixes):
        return None
    if len(fixes) == 1:
        return fixes[0]
    edits = tuple(sorted((e for f in fixes for e in f.edits), key=lambda e: e.start))
    worst = UNSAFE if any(f.applicability == UNSAFE for f in fixes) else SAFE
    return Fix(edits, worst, fixes[0].message + f" on all {len(fixes)} go commands")


def _fix(ctx, gc, context):
    edit = insert_before_word(ctx.facts, gc, 0, "CGO_ENABLED=0 ")
    if edit is None:
        return None
    why = []
    if context.uses_cgo:
        why.append('the sources `import "C"`')
    why += cgo_modules(context)
    if why:
        return Fix((edit,), UNSAFE, f"set CGO_ENABLED=0 (unsafe: {', '.join(why)} may need cgo)")
    return Fix((edit,), SAFE, "set CGO_ENABLED=0")

"""A go flag or command throws the build cache or module cache away.

- `go build -a` forces every package, the standard library included, to be
  rebuilt: the build cache (and its cache mount) is ignored, so every build
  takes the time of a cold one. It was part of the old "static binary" recipe
  (`CGO_ENABLED=0 go build -a -installsuffix cgo`); since Go 1.10 the build
  cache keys on CGO_ENABLED and the recipe needs neither flag.
- `-installsuffix` only renames the package install directory of GOPATH
  mode; in module mode with the build cache it does nothing but keep the
  recipe alive.
- `go clean -cache` / `go clean -modcache` in a RUN that has a cache mount on
  that cache empties the mount on every build; anywhere else it throws away
  what a later go command of the stage needs (a `go test` or `go build` after
  it recompiles everything, a later fetch downloads every module again). A
  clean that only trims the layer at the end of a stage, with no cache mount
  and no later go command, is not flagged.

Stages whose Go (from the analysis) is older than 1.10 have no build cache:
there `-a -installsuffix cgo` was the way to a static binary and is not
reported.

Best practice (Go before 1.10):

```dockerfile
FROM golang:1.9 AS build
WORKDIR /go/src/github.com/acme/app
COPY . .
RUN CGO_ENABLED=0 go build -a -installsuffix cgo -o /out/app .
```

`-i` (removed in Go 1.20: the build fails) is reported by GDL305, not here.
Flags hidden in `GOFLAGS` are not judged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -a -installsuffix cgo -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .
```

Fix (safe): removes `-a` and `-installsuffix <value>` (the binary is the same,
only built from the cache); removes the `go clean` command with its `&&`/`;`
(or the whole RUN when it runs nothing else). A clean inside `sh -c`, or
joined by `|`/`||`, is reported without a fix.
"""

from __future__ import annotations

from godockerlint.analysis.words import covers
from godockerlint.fix.commandedits import remove_command, remove_words
from godockerlint.fix.edits import delete_instruction
from godockerlint.core.findings import SAFE, Fix

CODE = "GDL207"
NAME = "cache-defeating-flags"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "`go build -a`, `-installsuffix` or `go clean -cache/-modcache` defeats Go's caches."

BUILD_FLAG_COMMANDS = frozenset({"build", "install", "test", "run", "vet", "list"})


def check(ctx):
    facts = ctx.facts
    for stage in facts.stages:
        later = None  # computed on the first `go clean` only: it walks every stage
        for run in stage.runs:
            for gc in run.go_commands:
                if gc.subcommand in BUILD_FLAG_COMMANDS:
                    yield from _flags(ctx, gc)
                elif gc.subcommand == "clean":
                    if later is None:
                        later = _later_go_commands(stage)
                    yield from _clean(ctx, run, gc, later)


def _flags(ctx, gc):
    facts = ctx.facts
    if not gc.run.stage.go_version.has_build_cache:
        return  # before Go 1.10 `-a -installsuffix cgo` was how a static CGO_ENABLED=0 binary was built
    for name in ("a", "installsuffix"):
        word = gc.flag_words.get(name)
        if word is None:
            continue
        if name == "a" and gc.flags.get("a") not in ("true",):
            continue  # -a=false
        idx = gc.words.index(word)
        count = 2 if name == "installsuffix" and "=" not in word.value and idx + 1 < len(gc.words) else 1
        edit = remove_words(facts, gc, idx, count)
        if name == "a":
            message = (f"`go {gc.subcommand} -a` rebuilds every package, the standard library included, "
                       f"ignoring the build cache: every build is a cold one; remove -a")
        else:
            message = (f"`-installsuffix {gc.flags['installsuffix']}` does nothing since the build cache "
                       f"(Go 1.10; a leftover of the `-a -installsuffix cgo` recipe); remove it")
        fix = Fix((edit,), SAFE, f"remove -{name}") if edit else None
        yield ctx.report(facts.word_span(gc, word), message, fix=fix)


def _later_go_commands(stage):
    """Every go command of the stage and of the stages built FROM it, in order."""
    out = list(stage.go_commands)
    for other in stage.facts.stages:
        if stage in other.ancestors:
            out.extend(other.go_commands)
    return out


def _clean(ctx, run, gc, later):
    facts = ctx.facts
    targets = []
    if "cache" in gc.flags:
        targets.append(("cache", "GOCACHE", run.resolve_gocache(gc), lambda g: g.compiling))
    if "modcache" in gc.flags:
        targets.append(("modcache", "GOMODCACHE", run.resolve_gomodcache(gc), lambda g: g.fetching))
    idx = next((i for i, g in enumerate(later) if g is gc), len(later))
    after = later[idx + 1:]
    for flag, var, path, needs in targets:
        mounted = any(covers(m.target, path) for m in run.cache_mounts)
        user = next((g for g in after if needs(g)), None)
        if mounted:
            why = f"empties the cache mount on {path} on every build"
        elif user is not None:
            why = f"throws away what `go {user.subcommand}` (line {user.span.line}) needs again"
        else:
            continue
        edit = remove_command(facts, run, gc.command)
        if edit is None and len(run.commands) == 1:
            edit = delete_instruction(ctx.dockerfile, run.instruction)
        fix = Fix((edit,), SAFE, f"remove `go clean -{flag}`") if edit else None
        yield ctx.report(
            gc.span,
            f"`go clean -{flag}` {why}: the {var} is rebuilt from nothing; remove the clean",
            fix=fix,
            related=[(user.span, f"`go {user.subcommand}` needs the {var} again")] if user is not None else (),
        )
        break

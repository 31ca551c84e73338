"""The Go build sees `.git` where VCS stamping cannot work.

Since Go 1.18, `go build` and `go install` stamp the binary with the commit
(`-buildvcs=auto`) when the main package sits in a repository. When the
context's `.git` is copied in (`COPY . .` without `.git` in `.dockerignore`)
into a builder that has no git (`golang:*-alpine`, or an alpine/debian base
that installs go but not git), or is bind-mounted read-only (`RUN
--mount=type=bind`, the default for binds; its files also belong to another
uid, which git refuses as "dubious ownership"), the build fails with
"error obtaining VCS status: ... Use -buildvcs=false to disable VCS stamping."

Fires on every `go build` / `go install` without `-buildvcs` (flag or
`GOFLAGS`) in a Go stage where the whole context reaches the build and the
context has a `.git` that `.dockerignore` does not exclude. Official Debian
golang images have git: a plain `COPY . .` there is not flagged (GDL209 still
asks for `.git` in `.dockerignore`). An explicit `-buildvcs=true` is left
alone: the author wants the stamp. Stages whose Go is older than 1.18 stamp
nothing (and have no `-buildvcs` flag): not flagged. This rule reads the build context and
stays silent without one.

Anti-pattern:

```dockerfile
FROM golang:1.25-alpine AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25-alpine AS build
WORKDIR /src
COPY . .
RUN go build -buildvcs=false -o /out/app .
```

Fix (safe: the build failed before): adds `-buildvcs=false` after the
subcommand. Better still: add `.git` to `.dockerignore` (GDL209), and pass
the commit with `-ldflags "-X main.commit=$COMMIT"` if you need it.
"""

from __future__ import annotations

from godockerlint.analysis.stages import PACKAGE_MANAGERS
from godockerlint.analysis.words import copy_sources
from godockerlint.fix.commandedits import insert_words_after
from godockerlint.core.findings import SAFE, Fix

CODE = "GDL304"
NAME = "buildvcs-hazard"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "The build sees .git without git (or through a read-only bind): VCS stamping fails."
CONTEXT = True

WHOLE = frozenset({".", "./", "*", "./*", "/", ""})
STAMPING = frozenset({"build", "install"})


def check(ctx):
    facts = ctx.facts
    context = facts.context
    if context is None or not context.has_git:
        return
    if context.excluded(".git"):
        return
    for stage in facts.stages:
        if not stage.is_go or not stage.go_version.supports("-buildvcs"):
            continue  # Go < 1.18 stamps no VCS data (and has no -buildvcs flag)
        chain = list(reversed(stage.ancestors)) + [stage]
        for run in stage.runs:
            for gc in run.go_commands:
                if gc.subcommand not in STAMPING or "buildvcs" in gc.flags:
                    continue
                if "-buildvcs" in (gc.setting("GOFLAGS") or ""):
                    continue
                bind = next((m for m in run.bind_mounts if not m.from_ and (m.source or "").strip() in WHOLE), None)
                if bind is not None and bind.readonly:
                    why = f"through the read-only bind mount on {bind.target or 'the working directory'}"
                elif _copied_before(chain, run) and not _has_git(stage):
                    why = f"and {stage.root_base} has no git"
                else:
                    continue
                idx = next((i for i, w in enumerate(gc.words[1:], 1) if w.value == gc.subcommand), None)
                fix = None
                edit = insert_words_after(facts, gc, idx, "-buildvcs=false") if idx is not None else None
                if edit is not None:
                    fix = Fix((edit,), SAFE, "add -buildvcs=false")
                yield ctx.report(
                    gc.span,
                    f"`go {gc.subcommand}` stamps VCS information from the context's .git {why}: it fails with "
                    f"\"error obtaining VCS status\"; add -buildvcs=false (and `.git` to .dockerignore)",
                    fix=fix,
                )


def _copied_before(chain, run) -> bool:
    for st in chain:
        for ins in st.stage.instructions:
            if ins is run.instruction:
                return False
            if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs:
                if any(s.strip() in WHOLE for s in copy_sources(ins)):
                    return True
    return False


def _has_git(stage) -> bool:
    if stage.toolchain_base and stage.libc == "glibc":
        return True  # the official Debian-based golang images ship git
    for st in [stage] + stage.ancestors:
        for run in st.runs:
            for cmd, _, _ in run.commands:
                words = [w.value for w in cmd.words]
                if words and words[0].rsplit("/", 1)[-1] in PACKAGE_MANAGERS and "git" in words[1:]:
                    return True
    return False

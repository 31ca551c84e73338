"""The first module download of a Go stage runs after the source tree is copied in.

BuildKit reuses a layer only while every input before it is unchanged. When
`COPY . .` (or a COPY of a folder holding `.go` files) comes before the first
go command that downloads modules, any edit to any source file invalidates
that layer and every one after it: each rebuild downloads every module again
(minutes behind a slow mirror) and recompiles them.

The remedy is a dependency step before the sources: copy (or bind-mount) only
`go.mod` and `go.sum` and run `go mod download`; that layer changes only when
the dependencies do. A RUN that downloads modules before any source copy counts
as the dependency step; so does one inherited from a parent stage
(`FROM deps AS build`). Without a build context, `.`, `*`, `*.go` and the
conventional package folders (`cmd`, `internal`, `pkg`, `src`, `app`, `api`,
`server`) are taken to be sources; with one, any folder holding `.go` files. When the build context's go.mod
requires no module, there is nothing to download and the rule is silent. So
it is when that first download RUN mounts a BuildKit cache on its module cache
(`--mount=type=cache,target=/go/pkg/mod`): a source edit reruns it, but go
finds every module in the cache and downloads none. With `ci-cache: ephemeral`
(the runner keeps no cache mount between builds) it is reported all the same.
A `go install tool@v1.2.3` (or `go run pkg@version`) ignores the module's
go.mod, so a dependency step cannot hold what it downloads: the finding goes
to the first go command that uses the module.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/app .
```

Fix (safe): inserts the dependency step just before the source COPY, only
with evidence of a go.mod (the context has one, or the Dockerfile copies one;
never when the build makes it with `go mod init`), in module mode on Go >= 1.11
("needs Go >= 1.11" otherwise), and when Go is installed and every setting
that changes fetching (ENV/ARG GOPROXY, GOPRIVATE, GOFLAGS..., `go env -w`,
git credentials) is in effect before that COPY; otherwise the message says
why there is no fix. Private modules need go.sum in the context; the secret
and ssh mounts the build's download uses are carried to the step. A module
outside WORKDIR is entered with `WORKDIR` (and left again), never `cd`. The
bind-mount form (`RUN --mount=type=cache,... --mount=type=bind,source=go.mod,...
go mod download`) is used when the file already uses `RUN --mount` or the
configuration says `download-step: bind`, unless a named non-root USER is in
effect (its cache mount would need a uid/gid the file does not show); otherwise, and always with
`ci-cache: ephemeral` (modules must land in a layer), the
`COPY go.mod go.sum ./` + `RUN go mod download` form (just the RUN when go.mod
was already copied). `go.sum` is left out when the build context has none.
A go.mod `replace m => ./folder` needs that folder's go.mod in the step too: it
is copied (`COPY folder/go.mod ./folder/`) or bound with go.mod; no fix when
the folder is outside the build context or has no go.mod there.
"""

from __future__ import annotations

import posixpath

from godockerlint.fix.dependency_step import dependency_step, replace_refusal
from godockerlint.fix.edits import insert_lines_before
from godockerlint.analysis.words import covers
from godockerlint.core.findings import SAFE
from godockerlint.fix.rewrite_templates import LazyFix

CODE = "GDL201"
NAME = "gomod-after-sources"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "go.mod is copied after the sources: every source edit re-downloads every module."


def check(ctx):
    from godockerlint.analysis.stageinputs import gopath_tree

    if gopath_tree(ctx.facts):
        return  # no go.mod to copy first (one made by `go mod init` in the build is GDL105's business)
    persistent = ctx.settings.ci_cache != "ephemeral"
    for stage in ctx.facts.stages:
        for run in stage.runs:
            # a `go install tool@v1.2.3` ignores the module's go.mod: a dependency step cannot hold its downloads
            fetching = [g for g in run.fetching_commands if not g.outside_module]
            if not fetching:
                continue
            if run.deps_ready_before is not None or run.is_dependency_step:
                break
            src = run.sources_copied_before
            if src is None:
                break
            gc = fetching[0]
            if persistent and any(covers(m.target, gc.gomodcache) for m in run.cache_mounts):
                break  # the modules are in the cache mount, not in the layer a source edit rebuilds
            message = (
                f"`go {gc.subcommand}` downloads modules after the sources are copied "
                f"(line {src.span.line}) with no dependency step before: every source edit "
                f"re-downloads every module; copy go.mod and go.sum and run `go mod download` first"
            )
            why = refusal(ctx, stage, src, run)
            yield ctx.report(gc.span, message + (f" ({why})" if why else ""),
                             fix=None if why else _fix(ctx, src, run),
                             related=[(src, "the sources are copied here")])
            break


# settings that change what `go mod download` fetches, or from where
FETCH_SETTINGS = frozenset({"GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GONOSUMCHECK", "GOSUMDB",
                            "GOINSECURE", "GOFLAGS", "GO111MODULE", "GOTOOLCHAIN", "GOMODCACHE", "GOPATH",
                            "GOAUTH", "GIT_CONFIG_GLOBAL", "HOME", "NETRC"})
PRIVATE_SETTINGS = ("GOPRIVATE", "GONOPROXY", "GONOSUMDB")


def refusal(ctx, stage, src, run) -> str | None:
    """Why no dependency step may be inserted before `src` for `run` (one clause), or None.

    Evidence of a go.mod is needed (the context has one, or the Dockerfile copies one), and not one
    the build makes (`go mod init`); the stage's Go must have modules and be in module mode; the
    step goes before the source COPY, so Go must be installed and every setting that changes fetching
    (ENV/ARG, `go env -w`, git credentials) in effect by then; private modules need go.sum in the
    context (their secret mounts, if the build passes some, are carried over)."""
    facts = ctx.facts
    bc = facts.context
    copies_gomod = run.gomod_copied_before is not None or run.binds_gomod
    if bc is not None and bc.go_mod is None and not copies_gomod:
        return "no fix: the build context has no go.mod"
    why = replace_refusal(bc)
    if why:
        return why
    go = stage.go_version
    if not go.has_modules:
        return f"no fix: the dependency step needs Go >= 1.11 (Go {go} here, {go.source})"
    if not stage.module_mode:
        return "no fix: this stage builds in GOPATH mode (GO111MODULE, or go.mod inside $GOPATH/src on Go < 1.13)"
    init = _mod_init(facts, stage)
    if init is not None:
        return f"no fix: line {init.instruction.span.line} creates go.mod with `go mod init`"
    before_run = []
    seen_src = False
    for ins in stage.stage.instructions:
        if ins is run.instruction:
            break
        if ins is src:
            seen_src, before_run = True, []
        elif ins.keyword != "FROM":
            before_run.append(ins)
    why = None if seen_src or stage.parent is None else _tail_refusal(facts, stage.parent, src)
    why = why or _between_refusal(facts, before_run, src, run)
    if why:
        return why
    if _installs_go(run) and not stage.toolchain_base:
        return "no fix: this RUN installs Go itself, so a download before the sources has no go"
    chain = [stage] + stage.ancestors if stage.parent is not None and stage.go_version.source is None else [stage]
    if not stage.toolchain_base and not any(_installs_go(r) for st in chain for r in st.runs
                                            if r.instruction.span.start < src.span.start):
        if stage.go_version.source is None:
            return "no fix: no Go toolchain is installed before the sources are copied"
    if any(run.setting(n) or stage.go_env_file.get(n) for n in PRIVATE_SETTINGS):
        if bc is not None and not bc.has_go_sum:
            return "no fix: private modules need go.sum in the build context for a download step"
    return None


def _mod_init(facts, stage):
    """The RUN of this stage or one it is built on that runs `go mod init`, or None (memoised per stage)."""
    memo = facts.__dict__.setdefault("_gdl201_mod_init", {})
    if stage.index not in memo:
        own = next((r for r in stage.runs if any(g.subcommand == "mod init" for g in r.go_commands)), None)
        memo[stage.index] = own or (_mod_init(facts, stage.parent) if stage.parent is not None else None)
    return memo[stage.index]


def _tail_refusal(facts, stage, src):
    """The refusal found among the instructions of `stage` after `src` (all of them when `src` is in an
    ancestor), and of its ancestors after `src` (memoised per stage: a chain of stages costs O(stages))."""
    memo = facts.__dict__.setdefault("_gdl201_tail", {})
    key = (stage.index, id(src))
    if key not in memo:
        after, seen = [], False
        for ins in stage.stage.instructions:
            if ins is src:
                seen, after = True, []
            elif ins.keyword != "FROM":
                after.append(ins)
        why = None if seen or stage.parent is None else _tail_refusal(facts, stage.parent, src)
        memo[key] = why or _between_refusal(facts, after, src, None)
    return memo[key]


def _between_refusal(facts, between, src, run):
    for ins in between:
        if ins.keyword in ("ENV", "ARG"):
            from godockerlint.parse.shell import key_values

            names = [k for k, _, _ in key_values(ins.args, legacy=ins.keyword == "ENV")]
            hit = next((n for n in names if n in FETCH_SETTINGS), None)
            if hit:
                return f"no fix: line {ins.span.line} sets {hit} after the sources are copied; move it before line {src.span.line}"
        elif ins.keyword == "RUN":
            r = facts.run_of(ins)
            if r is None or r is run:
                continue
            if any(g.subcommand == "env" and "w" in g.flags for g in r.go_commands):
                return f"no fix: line {ins.span.line} runs `go env -w` after the sources are copied; move it before line {src.span.line}"
            what = "installs Go" if _installs_go(r) else "sets up git credentials" if _configures_credentials(r) else None
            if what:
                return f"no fix: line {ins.span.line} {what} after the sources are copied; move it before line {src.span.line}"
    return None


def _installs_go(run) -> bool:
    from godockerlint.analysis.goversion import _TARBALL_RE

    for cmd, _, _ in run.commands:
        words = [w.value for w in cmd.words]
        if not words:
            continue
        tool = words[0].rsplit("/", 1)[-1]
        if tool in ("apk", "apt-get", "apt", "yum", "dnf", "microdnf", "zypper") and any(
                w in ("go", "golang", "golang-go", "go-toolset") or w.startswith(("go=", "golang-1.", "golang1"))
                for w in words[1:]):
            return True
        if any(_TARBALL_RE.search(w) and "://" in w for w in words):
            return True
    return False


def _configures_credentials(run) -> bool:
    for cmd, _, _ in run.commands:
        words = [w.value for w in cmd.words]
        if words[:2] == ["git", "config"] or any(w.endswith(".netrc") for w in words):
            return True
    return False


def _fix(ctx, src, run):
    df = ctx.dockerfile
    values = dependency_step(ctx, src, run)
    name = values.pop("template")

    def edits():
        from godockerlint.fix.rewrite_templates import render_lines

        return [insert_lines_before(df, src, render_lines(name, **values))]

    what = "insert a go.mod/go.sum dependency step before the sources"
    gomod = ctx.facts.context.go_mod if ctx.facts.context is not None else None
    folders = [f for _, f in gomod.local_replaces if posixpath.normpath(f) != "."] if gomod else []
    if folders:
        what += f" (with the go.mod of {', '.join(folders)}, which go.mod's replace points at)"
    return LazyFix(edits, SAFE, what, layout="changes")

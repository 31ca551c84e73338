"""What a RUN can see of the module: could a go.mod be there, are modules vendored.

Computed once per file (the first time a rule asks) and shared: GoCommand.fetching
uses it for the catalogue's "nothing to fetch" (revision 2): a single-file
`go build main.go` in a stage that never gets a go.mod, a vendored tree copied
in, downloads nothing, so GDL101/GDL201/GDL202 stay silent on it.

A go.mod may be in a RUN's view when, earlier in the stage (or an ancestor), a
COPY/ADD or a bind mount brought something that can hold one (go.mod itself, a
folder, the whole context; not a list of `.go` files), or the stage gets files
some other way (`COPY --from`, `ADD <url>`, `git clone`, `curl`/`wget`). With a
known build context that has Go sources but no go.mod anywhere, context copies bring none,
except a COPY or bind that names go.mod itself: the Dockerfile then says there
is one, and the folder read may not be the context it is built with.
"""

from __future__ import annotations

import posixpath

from godockerlint.analysis.words import copy_destination, copy_sources

FETCH_PROGRAMS = frozenset({"curl", "wget", "svn", "hg", "bzr", "tar", "unzip"})
GIT_FETCHES = frozenset({"clone", "pull", "fetch", "checkout", "submodule"})


def _fetches(cmd) -> bool:
    name = cmd.name.rsplit("/", 1)[-1]
    if name == "git":
        return any(w.value in GIT_FETCHES for w in cmd.words[1:])
    return name in FETCH_PROGRAMS


def _one_file_source(src: str) -> bool:
    """A COPY source that is a Go source file or a pattern of them (`main.go`, `*.go`, `cmd/x/*.go`)."""
    base = posixpath.basename(src.rstrip("/"))
    return base.endswith(".go")


def _names_gomod(src: str) -> bool:
    base = posixpath.basename(src.strip().rstrip("/"))
    return base == "go.mod" or base.startswith("go.") and "*" in base


def _vendor_source(src: str) -> bool:
    return posixpath.basename(posixpath.normpath(src.strip() or ".")) == "vendor"


class _Inputs:
    __slots__ = ("gomod", "vendor")

    def __init__(self, gomod: bool, vendor: bool) -> None:
        self.gomod = gomod  # a go.mod may be visible
        self.vendor = vendor  # a vendor/ folder was copied explicitly


def _stage_table(facts, sf) -> tuple[dict[int, _Inputs], tuple[bool, bool]]:
    """(inputs per RUN, state at the end of the stage) for one stage, computed once. A stage is asked
    about while the analysis is still at it (its layering), so each stage is computed on its own,
    from its parent's end state; its instructions and RUNs are complete by then."""
    tables = facts.__dict__.setdefault("_stage_inputs", {})
    got = tables.get(sf.index)
    if got is not None:
        return got
    context_has_gomod = False if gopath_tree(facts) else None
    if sf.parent is not None:
        gomod, vendor = _stage_table(facts, sf.parent)[1]
    else:  # an image godockerlint does not know may well hold the sources (a company's source image)
        gomod, vendor = not sf.defaults_known, False
    out: dict[int, _Inputs] = {}
    runs = {id(r.instruction): r for r in sf.runs}
    for ins in sf.stage.instructions:
        kw = ins.keyword
        if kw in ("COPY", "ADD") and ins.heredocs:
            if posixpath.basename(copy_destination(ins).rstrip("/")) in ("go.mod", "go.work"):
                gomod = True  # COPY <<EOF /src/go.mod
            continue
        if kw in ("COPY", "ADD"):
            srcs = copy_sources(ins)
            if ins.flag("from") is not None or (kw == "ADD" and any("://" in s or s.startswith("git@") for s in srcs)):
                gomod = True  # files from another stage, an image or the network
            elif any(_names_gomod(s) for s in srcs):
                gomod = True  # `COPY go.mod go.sum ./`: the Dockerfile says there is one (the context read may
                # not be the one it is built with: `docker build -f svc/Dockerfile .`)
            elif any(not _one_file_source(s) for s in srcs):
                if context_has_gomod is not False:
                    gomod = True
                if any(_vendor_source(s) for s in srcs):
                    vendor = True
            continue
        run = runs.get(id(ins))
        if run is None:
            continue
        for m in run.bind_mounts:
            if m.from_ or _names_gomod(m.source or "") or (context_has_gomod is not False
                                                          and not _one_file_source(m.source or ".")):
                gomod = True
        if any(_fetches(cmd) for cmd, _, _ in run.commands) or any(g.subcommand == "mod init" for g in run.go_commands):
            gomod = True  # a clone, a download or `go mod init`, in this RUN: a go.mod is visible from here on
        out[id(run)] = _Inputs(gomod, vendor)
    got = tables[sf.index] = (out, (gomod, vendor))
    return got


def gopath_tree(facts) -> bool:
    """Is the build context read a tree of Go sources without any go.mod (a GOPATH-era tree)? A folder
    with neither tells nothing: the real context may be elsewhere (`docker build -f deploy/Dockerfile .`)."""
    ctx = facts.context
    return ctx is not None and not ctx.has_any_go_mod and ctx.holds_go_sources(".")


def _inputs(run) -> _Inputs:
    return _stage_table(run.facts, run.stage)[0].get(id(run)) or _Inputs(True, False)


def may_see_gomod(run) -> bool:
    """Could a go.mod be where this RUN's go commands look (see the module docstring)?"""
    return _inputs(run).gomod


def vendor_copied(run) -> bool:
    """Was a `vendor/` folder copied into this RUN's stage explicitly (`COPY vendor/ vendor/`)?"""
    return _inputs(run).vendor

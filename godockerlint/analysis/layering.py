"""Layering: where a stage's sources, go.mod and dependency step come in, and which paths
hold Go sources. A mixin of facts.Facts (it fills in the StageFacts/RunFacts layering
fields while Facts analyses each stage)."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from godockerlint.analysis.words import WHOLE_CONTEXT_VARS, copy_sources

if TYPE_CHECKING:
    from godockerlint.analysis.stages import StageFacts

# Without a build context, these folders are taken to hold Go packages.
CONVENTIONAL_SOURCE_DIRS = frozenset({"cmd", "internal", "pkg", "src", "app", "api", "server"})


class Layering:
    """Facts' layering (it reads Facts' context and stages)."""

    # -- layer order ---------------------------------------------------------------
    def _layering(self, sf: StageFacts) -> None:
        """Where the source tree, go.mod and the dependency step come in, per RUN."""
        p = sf.parent
        sources = p.sources_copied if p else None
        gomod = p.gomod_copied if p else None
        deps = p.dependency_step if p else None
        runs = {id(r.instruction): r for r in sf.runs}
        for ins in sf.stage.instructions:
            if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs:
                srcs = copy_sources(ins)
                if any(self.is_source_path(x) for x in srcs):
                    sources = sources or ins
                elif any(posixpath.basename(x.rstrip("/")).startswith("go.mod") or x.startswith("go.*") for x in srcs):
                    gomod = gomod or ins
            run = runs.get(id(ins))
            if run is None:
                continue
            for m in run.bind_mounts:
                if m.from_:
                    continue
                src = m.source or "."
                if self.is_source_path(src):
                    run.binds_sources = True
                elif posixpath.basename(src) == "go.mod":
                    run.binds_gomod = True
            run.sources_copied_before = sources
            run.gomod_copied_before = gomod
            run.deps_ready_before = deps
            # `go mod download` fills the module cache even in a vendored tree (a later -mod=mod build uses it)
            if deps is None and sources is None and (
                    run.fetching_commands or any(g.subcommand == "mod download" for g in run.go_commands)):
                run.is_dependency_step = True
                deps = run
        sf.sources_copied = sources
        sf.gomod_copied = gomod
        sf.dependency_step = deps

    def is_source_path(self, src: str) -> bool:
        """Does this COPY/bind source bring Go sources (the tree, a .go file, a package folder)?"""
        s = src.strip()
        if s in WHOLE_CONTEXT_VARS:
            s = "."  # `COPY $PWD ./`: the variable is empty in the build, the source is the context
        norm = posixpath.normpath(s.lstrip("/")) if s not in ("", "/") else "."
        if norm in (".", "*", "./*") or s in ("./", "/") or norm.endswith(".go") or "*" in norm.split("/")[-1] and norm.endswith("go"):
            return True
        if posixpath.basename(norm).startswith(("go.mod", "go.sum", "go.work")):
            return False
        ctx = self.context
        if ctx is not None:
            return ctx.holds_go_sources(norm)
        return norm.split("/")[0] in CONVENTIONAL_SOURCE_DIRS

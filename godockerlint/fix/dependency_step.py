"""The go.mod/go.sum dependency step: GDL201's fix inserts it before the sources, the
whole-file rewrite (rewrite.py) writes it into the build stage. Both build it here."""
from __future__ import annotations

import posixpath

from godockerlint.analysis.words import copy_destination, copy_sources
from godockerlint.fix.cachemounts import named_user


def replace_refusal(bc) -> str | None:
    """Why a dependency step cannot carry go.mod's local replace folders (`replace m => ./folder`): the
    step has that folder's go.mod, which must be in the build context."""
    if bc is None or bc.go_mod is None:
        return None
    for module, folder in bc.go_mod.local_replaces:
        rel = posixpath.normpath(folder)
        if rel.startswith(("/", "../")) or rel == "..":
            return f"no fix: go.mod replaces {module} with {folder}, outside the build context"
        if rel != "." and not bc.exists(f"{rel}/go.mod"):
            return f"no fix: go.mod replaces {module} with {folder}, which has no go.mod in the build context"
    return None


def uses_mounts(df) -> bool:
    return any(i.keyword == "RUN" and i.mounts for i in df.instructions)


def dependency_step(ctx, src, run, comment=()) -> dict:
    """The template (dependency_step_bind.j2 or dependency_step_copy.j2) and its values for a
    dependency step inserted before `src`, the COPY of the sources (also used by the rewriter)."""
    from godockerlint.fix.rewrite_templates import Style

    df = ctx.dockerfile
    settings = ctx.settings
    workdir = ctx.facts.workdir_at(src)
    target_dir = _module_root(ctx, src, run, workdir)
    files = ["go.mod"]
    context = ctx.facts.context
    if context is None or context.has_go_sum:
        files.append("go.sum")
    # `replace m => ./folder`: go mod download reads that folder's go.mod (refusal() made sure it is there)
    replaced = [] if context is None or context.go_mod is None else [
        f"{rel}/go.mod" for rel in (posixpath.normpath(f) for _, f in context.go_mod.local_replaces) if rel != "."]
    form = settings.download_step
    if settings.ci_cache == "ephemeral":
        form = "copy"
    elif form == "auto":
        memo = ctx.facts.__dict__  # asked per finding: one scan per file
        if "_uses_mounts" not in memo:
            memo["_uses_mounts"] = uses_mounts(df)
        form = "bind" if memo["_uses_mounts"] else "copy"
    if form == "bind" and named_user(run):
        form = "copy"  # the bind form's cache mount would need the uid/gid of a USER given by name
    elsewhere = target_dir != workdir
    mounts = [df.text[m.span.start:m.span.end] for m in run.instruction.mounts if m.type in ("secret", "ssh")]
    common = dict(files=files, workdir=target_dir if elsewhere else None, back=workdir, mounts=mounts,
                  comment=list(comment))
    if form == "copy":
        # go.mod already copied before the sources: only the download is missing
        copy = not (run.gomod_copied_before is not None and run.gomod_copied_before.span.start < src.span.start)
        dest = "./" if elsewhere or workdir_set(ctx.facts, ctx.facts.stage_of(src), src) else workdir.rstrip("/") + "/"
        return dict(template="dependency_step_copy.j2", dest=dest, copy=copy, replaced=replaced, **common)
    style = Style.of(df)
    uid = gid = None
    user = run.user
    if user and user.split(":", 1)[0] not in ("root", "0"):  # numeric: named_user() chose the copy form
        uid, _, gid = user.partition(":")
        gid = gid or uid
    common["files"] = files + replaced
    return dict(template="dependency_step_bind.j2", gomodcache=run.resolve_gomodcache(), uid=uid, gid=gid,
                cont=style.cont, ci=style.continuation, **common)


def _module_root(ctx, src, run, workdir: str) -> str:
    """Where go.mod belongs: where the whole tree is copied, where go.mod already went, or WORKDIR."""
    whole_tree = any(posixpath.normpath(x) in (".", "*") for x in copy_sources(src))
    gomod = run.gomod_copied_before
    if whole_tree:
        ins = src
    elif gomod is not None:
        ins = gomod
    else:
        return workdir
    dest = copy_destination(ins)
    root = posixpath.normpath(posixpath.join(ctx.facts.workdir_at(ins), dest))
    if ins is gomod and not dest.endswith("/") and posixpath.basename(root) == "go.mod":
        root = posixpath.dirname(root)  # `COPY go.mod go.mod`: the destination names the file, not a folder
    return root


def workdir_set(facts, stage, before) -> bool:
    """Is a WORKDIR instruction in effect at `before` (in the stage or one it is built on)? Else an
    inserted COPY gets an absolute destination (hadolint DL3045: relative COPY without WORKDIR)."""
    for ins in stage.stage.instructions:
        if ins is before:
            break
        if ins.keyword == "WORKDIR":
            return True
    return stage.parent is not None and bool(stage.parent.nearest(
        "workdir_set", lambda st: any(ins.keyword == "WORKDIR" for ins in st.stage.instructions)))

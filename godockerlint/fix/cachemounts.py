"""Shared by the cache-mount rules: what a Go cache mount looks like and the fix that adds one."""

from __future__ import annotations

import posixpath

from godockerlint.fix.edits import insert_flag
from godockerlint.core.findings import SAFE, Fix


def looks_like(target: str | None, suffix: str) -> bool:
    """Is this mount target shaped like a Go cache (`.../pkg/mod`, `.../go-build`)?"""
    return bool(target) and posixpath.normpath(target).endswith(suffix)


EXPLICIT = {"GOMODCACHE": ("GOMODCACHE", "GOPATH"), "GOCACHE": ("GOCACHE", "XDG_CACHE_HOME")}


def path_known(run, gc, var: str) -> bool:
    """Is the effective GOMODCACHE / GOCACHE of `gc` (or of `run`) known? Not when it rests on the
    defaults of a base image godockerlint does not know (a company builder, an unresolved
    `FROM ${IMAGE}`) and the Dockerfile sets none of the variables it comes from."""
    if run.stage.defaults_known:
        return True
    get = gc.setting if gc is not None else run.setting
    return any(get(name) for name in EXPLICIT[var])


def unknown_path_message(run, gc, var: str, usual: str) -> str:
    """What the cache rules say instead of a path when `path_known` is False."""
    base = run.stage.root_base or "the base image"
    return (f"`go {gc.subcommand}` has no cache mount on its {'module' if var == 'GOMODCACHE' else 'build'} cache: "
            f"{var} is unknown for {base} (`go env {var}` in that image tells; {usual} in golang images); "
            f"add `--mount=type=cache,target=<{var}>` (no fix: the mount's target is that unknown path)")


def named_user(run) -> str | None:
    """The USER `run` runs as when it is a non-root user given by name (`app`, `app:app`, `1000:staff`,
    `$UID`): then a cache mount's uid/gid, which must be numbers, are not known from the Dockerfile."""
    user = run.user
    if not user or user.split(":", 1)[0] in ("root", "0"):
        return None
    uid, _, gid = user.partition(":")
    return None if uid.isdigit() and (not gid or gid.isdigit()) else user


def named_user_reason(user: str) -> str:
    """Why a cache mount for a named USER has no fix (the clause after "no fix:")."""
    return f"USER {user} is not numeric, so the mount's uid/gid are unknown"


def mount_flag(ctx, run, target: str) -> tuple[str | None, str | None]:
    """(flag, None) of a cache mount on `target` for `run`, or (None, why not): `$HOME` unknown, or a
    named non-root USER (a mount without its uid/gid belongs to root and go cannot write it: GDL205)."""
    if not run.home_known and target.startswith(run.home.rstrip("/") + "/") and not ctx.facts.stage_of(
            run.instruction).toolchain_base:
        whose = f"of USER {run.user} " if run.user else ""
        return None, f"$HOME {whose}is not known, so neither is {target}"
    user = named_user(run)
    if user is not None:
        return None, named_user_reason(user)
    flag = f"--mount=type=cache,target={target}"
    uid, _, gid = (run.user or "").partition(":")
    if run.user and uid not in ("root", "0"):
        flag += f",uid={uid},gid={gid or uid}"
    return flag, None


def cache_mount_fix(ctx, run, target: str, what: str) -> tuple[Fix | None, str | None]:
    """(a fix adding `--mount=type=cache,target=...` to `run`, None) or (None, why not)."""
    flag, why = mount_flag(ctx, run, target)
    if flag is None:
        return None, why
    return Fix((insert_flag(ctx.dockerfile, run.instruction, flag),), SAFE, f"add a cache mount on {what} {target}"), None


def later_go_runs(facts, run) -> list:
    """The RUNs after `run` in its stage and in every stage built on it (`FROM <stage>`) that run go or
    may (make, scripts, task, mage, goreleaser...), in file order."""
    stage = run.stage
    out = []
    after = False
    for r in stage.runs:
        if r is run:
            after = True
        elif after and r.may_run_go:
            out.append(r)
    for st in _built_on(facts, stage):
        out.extend(r for r in st.runs if r.may_run_go)
    return out


def _built_on(facts, stage) -> list:
    """The stages built on `stage` (it is among their ancestors), in file order: from an index of
    each stage's children, not a walk of every stage's ancestors per RUN."""
    children = facts.__dict__.get("_children")
    if children is None:
        children = facts.__dict__["_children"] = {}
        for st in facts.stages:
            if st.parent is not None:
                children.setdefault(st.parent.index, []).append(st)
    found, todo = [], list(children.get(stage.index, ()))
    while todo:
        st = todo.pop()
        found.append(st)
        todo.extend(children.get(st.index, ()))
    return sorted(found, key=lambda st: st.index)


def modcache_fix(ctx, run, target: str, covered: dict) -> tuple[Fix | None, str | None]:
    """(fix, why not) for a GOMODCACHE cache mount on `run` and on every later RUN that may run go
    (of its stage and the stages built on it) that lacks it: once modules live in a cache mount, a RUN
    without the mount finds none. No fix when one of those RUNs deletes or cleans the module cache
    (`rm -rf $GOPATH`, `go clean -modcache`) or sees another GOMODCACHE: the modules then stay in the
    layer. `covered` maps the RUNs edited to the line of the RUN whose fix edits them, so that a later
    finding does not add the mount again."""
    from godockerlint.analysis.words import covers

    runs = [run] + [r for r in later_go_runs(ctx.facts, run)
                    if not any(covers(m.target, target) for m in r.cache_mounts)]
    for r in runs:
        if r.removes(target, "modcache"):
            where = "this RUN" if r is run else f"line {r.instruction.span.line}"
            return None, (f"no fix: {where} deletes the module cache, which a cache mount must keep; drop that "
                          f"deletion, or keep the modules in the layer")
        if r is not run and r.resolve_gomodcache() != target:
            return None, f"no fix: line {r.instruction.span.line} has another GOMODCACHE"
    edits = []
    for r in runs:
        flag, why = mount_flag(ctx, r, target)
        if flag is None:
            return None, f"no fix: {why}" + ("" if r is run else f" on line {r.instruction.span.line}")
        edits.append(insert_flag(ctx.dockerfile, r.instruction, flag))
    covered.update((id(r.instruction), run.instruction.span.line) for r in runs)
    lines = ", ".join(str(r.instruction.span.line) for r in runs[1:])
    also = (f" (and on line{'s' if len(runs) > 2 else ''} {lines}, which run{'' if len(runs) > 2 else 's'} go after it)"
            if lines else "")
    return Fix(tuple(edits), SAFE, f"add a cache mount on GOMODCACHE {target}{also}"), None


def mount_text(mount, **changes: str | None) -> str:
    """The `--mount=...` flag text of `mount` with some options changed (None drops one).

    Keys are written with their canonical names (`dst` becomes `target`), in the
    order they were written; new keys go at the end."""
    order = [(k, v) for k, v in mount.options]
    seen = {k for k, _ in order}
    out = []
    for k, v in order:
        if k in changes:
            if changes[k] is None:
                continue
            v = changes[k]
        out.append((k, v))
    out += [(k, v) for k, v in changes.items() if k not in seen and v is not None]
    return "--mount=" + ",".join(f"{k}={_csv(v)}" for k, v in out)


def _csv(value: str) -> str:
    if any(c in value for c in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def flag_removal_span(ins, flag) -> tuple[int, int]:
    """(start, end) that removes `flag` from `ins` with the blanks or continuation before it."""
    prev_end = ins.span.start + len(ins.raw_keyword)
    for f in ins.flags:
        if f.span.start >= flag.span.start:
            break
        prev_end = f.span.end
    return prev_end, flag.span.end

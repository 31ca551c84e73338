"""Shared by the cache-mount rules: what a Go cache mount looks like and the fix that adds one."""

from __future__ import annotations

import posixpath

from godockerlint.edits import insert_flag
from godockerlint.findings import SAFE, UNSAFE, Fix


def looks_like(target: str | None, suffix: str) -> bool:
    """Is this mount target shaped like a Go cache (`.../pkg/mod`, `.../go-build`)?"""
    return bool(target) and posixpath.normpath(target).endswith(suffix)


def cache_mount_fix(ctx, run, target: str, what: str) -> Fix | None:
    """A fix adding `--mount=type=cache,target=...` to `run`, or None when unsure."""
    if not run.home_known and target.startswith(run.home.rstrip("/") + "/") and not ctx.facts.stage_of(
            run.instruction).toolchain_base:
        return None
    flag = f"--mount=type=cache,target={target}"
    applicability = SAFE
    note = ""
    user = run.user
    if user and user.split(":", 1)[0] not in ("root", "0"):
        uid, _, gid = user.partition(":")
        if uid.isdigit() and (not gid or gid.isdigit()):
            flag += f",uid={uid},gid={gid or uid}"
        else:
            applicability = UNSAFE
            note = f" (USER {user} is not numeric: check the mount's uid/gid)"
    return Fix((insert_flag(ctx.dockerfile, run.instruction, flag),), applicability,
               f"add a cache mount on {what} {target}{note}")


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

"""go.mod needs a newer Go than the builder image provides.

The `go` line of go.mod is the minimum Go release that may build the module
(since Go 1.21 it is enforced). Official `golang` images set
`GOTOOLCHAIN=local`, so a `golang:1.24` builder fails on a module that says
`go 1.25` with "go.mod requires go >= 1.25 (running go 1.24; GOTOOLCHAIN=local)".
With `GOTOOLCHAIN=auto` the build does not fail: go downloads the newer
toolchain from the module proxy on every cold build (a hundred megabytes, and
a network dependency the image tag was supposed to remove).

Context-aware: it reads go.mod from the build context and stays silent
without one. The builder's Go version is the tag of an official-style Go
image (`golang`, `*/golang`, `cgr.dev/chainguard/go`), expanded through the
ARGs that feed it (`FROM golang:${GO_VERSION}-alpine` with
`ARG GO_VERSION=1.24`). Decisions: a tag is compared with the precision it
has, because a floating tag tracks the newest patch release: `golang:1.25`
satisfies `go 1.25.3`, `golang:1.25.1` does not; tags without a version
(`latest`, `alpine`, `1`) are GDL502's business. The `toolchain` line only
counts when the stage sets `GOTOOLCHAIN` to something other than `local`
(with `local`, go ignores it). Only stages whose go commands (or their child
stages' ones) run are judged.

Anti-pattern:

```dockerfile
FROM golang:1.24 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Fix (safe): writes the go.mod version into the tag (`golang:1.24-alpine` →
`golang:1.25-alpine`), or into the default of the ARG that feeds the tag,
keeping the variant and the tag's precision: a minor tag stays a minor (it
tracks the newest patch, which satisfies `go 1.25.3`), a patch tag gets
go.mod's version. It only ever raises a version: go.mod's lines are minimums. No
fix when the image is pinned by digest (the digest would still select the
old image) or the version comes from somewhere else.
"""

from __future__ import annotations

import re

from godockerlint.analysis.words import image_name, image_tag
from godockerlint.analysis.buildcontext import version_tuple
from godockerlint.fix.edits import replace_span
from godockerlint.core.findings import SAFE, Fix
from godockerlint.parse.shell import key_values

CODE = "GDL109"
NAME = "go-toolchain-mismatch"
SEVERITY = "error"
FIX = "safe"
SUMMARY = "go.mod needs a newer Go than the builder image provides (GOTOOLCHAIN=local: the build fails)."
CONTEXT = True

VERSION_RE = re.compile(r"^\d+\.\d+(?:\.\d+)?")
VAR_RE = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def check(ctx):
    facts = ctx.facts
    context = facts.context
    gm = context.go_mod if context is not None else None
    if gm is None or not gm.go:
        return
    go_req = version_tuple(gm.go)
    tc_req = version_tuple(gm.toolchain)
    if go_req is None:
        return
    families: dict[int, list] = {}  # root stage -> the stages built on it, itself first (one pass, not one per root)
    root: dict[int, int] = {}
    for s in facts.stages:
        root[s.index] = root[s.parent.index] if s.parent is not None else s.index
        families.setdefault(root[s.index], []).append(s)
    for sf in facts.stages:
        if sf.parent is not None or not _official_style(sf.root_base):
            continue
        family = families[sf.index]
        commands = [g for s in family for g in s.go_commands]
        if not commands:
            continue
        tag = image_tag(sf.root_base)
        have = version_tuple(tag) if tag else None
        if have is None or len(have) < 2:
            continue
        toolchain_mode = commands[0].setting("GOTOOLCHAIN") or "auto"  # go's own default; golang images set local
        need, need_text, source = go_req, gm.go, f"the go line of go.mod (line {gm.go_line})"
        if tc_req is not None and toolchain_mode != "local" and tc_req > go_req:
            need, need_text, source = tc_req, gm.toolchain.removeprefix("go"), \
                f"the toolchain line of go.mod (line {gm.toolchain_line})"
        if tuple(need[: len(have)]) <= have:
            continue
        have_text = ".".join(str(x) for x in have)
        if toolchain_mode == "local":
            effect = (f"with GOTOOLCHAIN=local the build fails (\"go.mod requires go >= {need_text} "
                      f"(running go {have_text}; GOTOOLCHAIN=local)\")")
        else:
            effect = f"with GOTOOLCHAIN={toolchain_mode} go downloads go{need_text} on every cold build"
        from_ins = sf.stage.from_instruction
        fix, where = _fix(ctx, sf, need_text)
        refused = ""
        if fix is None:
            refused = (" (no fix: the digest of the new image is not known offline)" if "@" in from_ins.args.split()[0]
                       else " (no fix: the version is not written as a literal tag or ARG default this fix can edit)")
        yield ctx.report(
            from_ins,
            f"{source} needs Go {need_text} but the builder image {sf.root_base} has Go {have_text}: {effect}; "
            f"raise {where} to {need_text}{refused}",
            fix=fix,
        )


def _official_style(ref: str) -> bool:
    name = image_name(ref.lower())
    return name.endswith("golang") or name in ("cgr.dev/chainguard/go",)


def _fix(ctx, sf, version: str):
    """(Fix or None, what to raise) for writing `version` into the tag or the ARG feeding it."""
    df = ctx.dockerfile
    ins = sf.stage.from_instruction
    args = ins.args
    m_ref = re.match(r"\S+", args)
    if not m_ref:
        return None, "the image tag"
    ref = m_ref.group(0)
    if "@" in ref:
        return None, "the image tag (and its digest)"
    last_slash = ref.rfind("/")
    colon = ref.find(":", last_slash + 1)
    if colon < 0:
        return None, "the image tag"
    tag_at = colon + 1
    tag = ref[tag_at:]
    m = VERSION_RE.match(tag)
    if m:
        start = ins.text_offset(tag_at)
        end = ins.text_offset(tag_at + m.end() - 1) + 1
        new = _same_precision(m.group(0), version)
        return Fix((replace_span(start, end, new),), SAFE, f"use Go {new} in the image tag"), "the image tag"
    v = VAR_RE.match(tag)
    if not v:
        return None, "the image tag"
    name = v.group(1) or v.group(3)
    default = v.group(2)
    facts = ctx.facts
    arg_ins = facts.global_arg_instructions.get(name)
    if arg_ins is not None and name not in facts.build_args:
        for k, val, word in key_values(arg_ins.args, legacy=False):
            if k != name or val is None:
                continue
            raw = word.raw
            prefix = len(name) + 1
            inner = raw[prefix:]
            quote = 1 if inner[:1] in "\"'" else 0
            mv = VERSION_RE.match(inner[quote:])
            if not mv:
                break
            s = word.start + prefix + quote
            start = arg_ins.text_offset(s)
            end = arg_ins.text_offset(s + mv.end() - 1) + 1
            new = _same_precision(mv.group(0), version)
            return (Fix((replace_span(start, end, new),), SAFE, f"use Go {new} as the `{name}` default"),
                    f"the `ARG {name}` default")
        if facts.global_args.get(name):
            return None, f"the `ARG {name}` default"
    if default is not None:
        mv = VERSION_RE.match(default)
        if mv:
            s = tag_at + tag.index(default)
            start = ins.text_offset(s)
            end = ins.text_offset(s + mv.end() - 1) + 1
            new = _same_precision(mv.group(0), version)
            return Fix((replace_span(start, end, new),), SAFE, f"use Go {new} in the tag"), "the image tag"
    return None, "the image tag"


def _same_precision(old: str, need: str) -> str:
    """The version to write: a minor tag stays a minor (`1.24` -> `1.25`: it floats to the newest patch,
    which satisfies `go 1.25.3`), a patch tag gets the version go.mod names (its minimum)."""
    if old.count(".") == 1:
        return ".".join(need.split(".")[:2])
    return need

"""The Go builder image does not pin a Go version.

`golang`, `golang:latest`, `golang:1` (`1-alpine`) and variant-only tags
(`golang:alpine`, `golang:bookworm`) move to every new Go release. The same
commit then builds with another compiler from one week to the next: new vet
checks fail `go test`, changed defaults (GODEBUG, loop variable semantics,
TLS settings) change the binary's behaviour, and the layer cache of the
builder is invalidated for everyone the day the tag moves. Official images set
`GOTOOLCHAIN=local`, so the image's Go is exactly the one that builds.

A Go builder is a stage whose base (not `FROM <stage>`) is a Go toolchain
image. A minor tag (`1.25`, `1.25-alpine`) or a patch tag (`1.25.3`) is a pin;
a digest (`@sha256:...`) is accepted; `latest-dev` (Chainguard) is `latest` with
a shell; a tag given by a global build argument
is judged by its default, and a build argument without a default is not
judged.

Anti-pattern:

```dockerfile
FROM golang:alpine AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
ARG GO_VERSION=1.25
FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Fix (safe, when the build context is known, and only for the official
`golang` image): an unpinned tag follows the newest Go release, so the pin is
the newest release godockerlint knows (its release table, updated with each Go
release), written as a minor (`1.27`), and never older than what go.mod's `go`
and `toolchain` lines ask for (they are minimums, not targets: pinning an
untagged image to them would downgrade the build). A literal reference gets a
global `ARG GO_VERSION=<version>` before the first FROM and becomes
`golang:${GO_VERSION}-<variant>` (the variant is kept); a reference built from
a global ARG gets that ARG's default raised. A variant that is not built for
every new Go release (`buster`, `alpine3.18`) gets no fix: the pinned tag might
not exist. Other Go images (Chainguard, Red Hat go-toolset) have
tags of their own: the message asks for one that names a Go version, or a
digest, and names none. Without a build context the message asks for the version and
nothing is changed: go.mod might ask for more than the table knows. The first
finding carries the edits for every unpinned Go stage of the file (they share
the ARG).
"""

from __future__ import annotations

import re

from godockerlint.analysis.words import image_name, image_tag
from godockerlint.analysis.buildcontext import version_tuple
from godockerlint.analysis.goversion import newest_release
from godockerlint.fix.edits import insert_lines_before, replace_span
from godockerlint.core.findings import SAFE, Fix
from godockerlint.parse.shell import key_values, split_words

CODE = "GDL502"
NAME = "go-image-unpinned"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "The Go builder image has no tag, `latest`, a major-only or a variant-only tag."
CONTEXT = True

VAR_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
ARG_TAG_RE = re.compile(r"^(?P<name>[^:@$]+):\$\{?(?P<var>[A-Za-z_][A-Za-z0-9_]*)\}?(?P<rest>-[^$]*)?$")


def split_tag(tag: str | None) -> tuple[str | None, str]:
    """(version part, variant) of a golang tag: '1.25-alpine' -> ('1.25', 'alpine'), 'alpine' -> (None, 'alpine')."""
    if not tag or tag == "latest":
        return None, ""
    if tag[0].isdigit():
        version, _, variant = tag.partition("-")
        return version, variant
    return None, tag


def unpinned(tag: str | None) -> str | None:
    if tag is None:
        return "has no tag"
    if tag == "latest" or tag.startswith("latest-"):
        return f"is :{tag}"  # latest-dev (Chainguard): latest with a shell and apk
    version, _ = split_tag(tag)
    if version is None:
        return "has a variant-only tag"
    if "." not in version:
        return "has a major-only tag"
    return None


# variants the golang images are built in for every new Go release (others are dropped over time)
CURRENT_VARIANTS = frozenset({"", "alpine", "bookworm", "trixie", "alpine3.21", "alpine3.22", "alpine3.23",
                              "windowsservercore", "nanoserver", "windowsservercore-ltsc2022",
                              "nanoserver-ltsc2022", "windowsservercore-ltsc2025", "nanoserver-ltsc2025"})


def gomod_version(ctx) -> str | None:
    """The newest of go.mod's `go` and `toolchain` lines ("1.22.5"), or None."""
    bc = ctx.facts.context
    gm = bc.go_mod if bc is not None else None
    if gm is None:
        return None
    best = None
    for v in (gm.go, (gm.toolchain or "").removeprefix("go")):
        t = version_tuple(v)
        if t is not None and (best is None or t > version_tuple(best)):
            best = re.match(r"^\d+\.\d+(?:\.\d+)?", v).group(0)
    return best


def pin_version(ctx) -> str | None:
    """The minor to pin an unpinned golang image to ("1.27"): the newest known release, or what go.mod
    asks for when that is newer; None without a build context."""
    if ctx.facts.context is None:
        return None
    need = gomod_version(ctx)
    newest = version_tuple(newest_release(version_tuple(need) if need else None))
    return f"{newest[0]}.{newest[1]}"


def check(ctx):
    facts = ctx.facts
    df = ctx.dockerfile
    found = []
    for sf in facts.stages:
        if sf.parent is not None or not sf.toolchain_base:
            continue
        raw = sf.stage.base
        base = sf.base
        if "@" in base or any(facts.global_args.get(n) is None for n in VAR_RE.findall(raw)):
            continue
        why = unpinned(image_tag(base))
        if why:
            found.append((sf, why))
    if not found:
        return
    version = pin_version(ctx)
    need = gomod_version(ctx)
    variants = {split_tag(image_tag(sf.base))[1] for sf, _ in found if _official(sf.base)}
    odd = sorted(variants - CURRENT_VARIANTS)
    if not version:
        fix, refused = None, "without the build context the Go version go.mod asks for is unknown"
    elif odd:
        fix, refused = None, f"the pin is shared with a {odd[0]} stage, whose tag might not exist"
    else:
        fix, refused = _fix(ctx, df, [sf for sf, _ in found], version)
    for k, (sf, why) in enumerate(found):
        base = sf.base
        name = image_name(base)
        _, variant = split_tag(image_tag(base))
        want = f"{name}:{version}{'-' + variant if variant else ''}" if version else None
        floor = f"; go.mod asks for at least go {need}" if need else ""
        if not _official(base):  # its tags are not golang's: no version is invented for it
            at_least = f" (go.mod asks for at least go {need})" if need else ""
            yield ctx.report(
                sf.stage.from_instruction,
                f"the Go builder image {base} {why}: it moves to every new Go release, so the same commit builds "
                f"with another compiler; pin a tag of {name} that names a Go version{at_least}, or a digest "
                f"(no fix: only the official golang image's tags are known, not those of {name})",
            )
            continue
        if variant in odd:
            yield ctx.report(
                sf.stage.from_instruction,
                f"the Go builder image {base} {why}: it names no Go version, so which compiler builds is up to "
                f"the image's maintainers; pin a Go version that is built for the {variant} variant "
                f"(golang:<version>-{variant} is not made for every release) or a digest (no fix: which "
                f"release still has a {variant} image is not known here)",
            )
            continue
        if want:
            advice = f"pin {want} (the newest Go release godockerlint knows{floor}) or a digest"
        else:
            advice = "pin the Go version go.mod asks for (e.g. golang:1.25-alpine) or a digest"
        if fix is None:
            advice += f" (no fix: {refused})"
        elif k:
            advice += f" (no fix here: the fix on line {found[0][0].stage.from_instruction.span.line} pins it too)"
        yield ctx.report(
            sf.stage.from_instruction,
            f"the Go builder image {base} {why}: it moves to every new Go release, so the same commit builds "
            f"with another compiler; {advice}",
            fix=fix if k == 0 else None,
        )


def _official(base: str) -> bool:
    return image_name(base.lower()).endswith("golang")


def _fix(ctx, df, stages, version):
    """(fix, why none is offered)."""
    facts = ctx.facts
    edits = []
    insert_arg = False
    for sf in stages:
        if not image_name(sf.base.lower()).endswith("golang"):
            return None, f"only the official golang image's tags are known, not those of {image_name(sf.base)}"
        raw = sf.stage.base
        ins = sf.stage.from_instruction
        m = ARG_TAG_RE.match(raw)
        if m and m.group("var") in facts.global_arg_instructions:
            arg_ins = facts.global_arg_instructions[m.group("var")]
            edit = _arg_default_edit(arg_ins, m.group("var"), version, m.group("rest") or "")
            if edit is None:
                return None, f"the default of `ARG {m.group('var')}` is not written in a form this fix edits"
            if edit not in edits:
                edits.append(edit)
            continue
        if "$" in raw:
            return None, "the image reference is built from variables this fix does not edit"
        if "GO_VERSION" in facts.global_args:  # an ARG of that name exists and this FROM does not use it
            return None, "an `ARG GO_VERSION` this FROM does not use is already there"
        words = split_words(ins.args)
        if not words or words[0].value != raw:
            return None, "the image reference is written in a form this fix does not edit"
        _, variant = split_tag(image_tag(raw))
        name = raw.rsplit(":", 1)[0] if image_tag(raw) is not None else raw
        new = f"{name}:${{GO_VERSION}}" + (f"-{variant}" if variant else "")
        start = ins.text_offset(words[0].start)
        end = ins.text_offset(words[0].end - 1) + 1
        edits.append(replace_span(start, end, new))
        insert_arg = True
    if insert_arg:
        edits.insert(0, insert_lines_before(df, df.stages[0].from_instruction, [f"ARG GO_VERSION={version}"]))
    return Fix(tuple(edits), SAFE, f"pin the Go image to Go {version}"), None


def _arg_default_edit(arg_ins, var, version, rest):
    for k, v, w in key_values(arg_ins.args, legacy=False):
        if k != var:
            continue
        start = arg_ins.text_offset(w.start)
        end = arg_ins.text_offset(w.end - 1) + 1
        value = version
        if v and not rest:
            _, variant = split_tag(v)  # ARG GO_VERSION=1-alpine feeding golang:${GO_VERSION}: keep alpine
            value = version + (f"-{variant}" if variant else "")
        return replace_span(start, end, f"{var}={value}")
    return None

"""The final base image is not pinned: no tag, `:latest`, or a moving distroless name.

The final base is what runs in production. With no tag (which means
`:latest`) or `:latest`, two builds of the same commit can ship different
operating systems, libc versions or default users, and a rebuild for a one-line
fix silently pulls a new major release. Distroless names without a
`-debianNN` suffix (`gcr.io/distroless/static`, `base`, `cc`) are aliases
that move to the next Debian release when distroless switches: the image
changes under an unchanged Dockerfile.

Distroless publishes no version tags: for those images the `-debianNN`
suffix is the pin, and its `nonroot`, `debug` and `debug-nonroot` tags (and
their per-architecture forms) are accepted. `:latest` and moving tags such as
`latest-$ARCH` are flagged on every image, distroless included (written out,
they ask for "whatever is newest"; a suffixed distroless name without a tag is
accepted like its `nonroot` tag). A digest
(`@sha256:...`) is accepted for every image; `scratch` needs no pin. The base
is the external image at the root of the final stage's `FROM <stage>` chain,
with build-argument defaults expanded; a base that comes from a build argument
with no default is not judged, unless its tag is visibly a `latest` form. Only
final stages that run a Go binary are checked, and not a Go toolchain final
(`FROM golang` last): GDL502 pins Go images.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Fix (safe): a distroless `static`, `base`, `base-nossl` or `cc` name without a
suffix gets `-debian12` (`gcr.io/distroless/static:nonroot` ->
`gcr.io/distroless/static-debian12:nonroot`), which is what the unsuffixed
alias points at today, and only when its tag is one distroless publishes for
`-debian12` (none, `latest`, `nonroot`, `debug`, `debug-nonroot`, each with an
optional `-amd64`/`-arm64`/... suffix). Other images are reported only: the
linter does not invent a version or a digest; the message says to pin one.
"""

from __future__ import annotations

import re

from godockerlint.analysis.words import image_name, image_tag
from godockerlint.fix.edits import replace_span
from godockerlint.core.findings import SAFE, Fix
from godockerlint.parse.shell import split_words

CODE = "GDL407"
NAME = "final-image-unpinned"
SEVERITY = "warning"
FIX = "safe"
SUMMARY = "The final base has no tag, `:latest`, or a distroless name without a -debianNN suffix."

DEBIAN_SUFFIX = re.compile(r"-debian\d+$")
VAR_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def unresolved(facts, raw: str) -> bool:
    """Does `raw` (a FROM reference) use a global build argument that has no value?"""
    return any(facts.global_args.get(n) is None for n in VAR_RE.findall(raw))


DISTROLESS_SUFFIXABLE = re.compile(r"(?:^|/)distroless/(?:static|base|base-nossl|cc)$")
DISTROLESS_TAG = re.compile(r"^(?:latest|nonroot|debug|debug-nonroot)(?:-(?:amd64|arm64|arm|s390x|ppc64le|riscv64))?$")
MOVING_TAG = re.compile(r"^latest(?:$|[-_.])")


def check(ctx):
    facts = ctx.facts
    final = facts.final
    root = facts.final_chain[0]
    base = final.root_base
    from_ins = root.stage.from_instruction
    if not base or base.lower() == "scratch" or "@" in base or not final.runs_go_binary:
        return
    if final.toolchain_base:
        return  # a Go image: GDL502 pins it
    raw_tag = image_tag(root.stage.base) or ""
    if unresolved(facts, root.stage.base):
        if MOVING_TAG.match(raw_tag):
            yield ctx.report(from_ins, f"the final base {root.stage.base} uses the moving tag {raw_tag}: every build "
                                       f"may ship another release; pin a version tag or a digest; no fix: godockerlint "
                                       f"does not invent a version")
        return
    name = image_name(base)
    tag = image_tag(base)
    if "distroless" in name.lower():
        if not DEBIAN_SUFFIX.search(name):
            fix = None
            if "$" not in root.stage.base and DISTROLESS_SUFFIXABLE.search(name) and (
                    tag is None or DISTROLESS_TAG.match(tag)):
                fix = _suffix_fix(from_ins, name)
            yield ctx.report(from_ins, f"the final base {base} is a moving distroless alias: it switches Debian "
                                       f"release under you; use {name}-debian12{':' + tag if tag else ''} "
                                       f"(or pin a digest)" + ("" if fix else f"; no fix: {name}-debian12"
                                                                           f"{':' + tag if tag else ''} is not "
                                                                           f"an image distroless publishes"),
                             fix=fix)
            return
        if tag is not None and MOVING_TAG.match(tag):  # written out: "whatever is newest"
            what = f"uses the moving tag :{tag}"
            yield ctx.report(from_ins, f"the final base {base} {what}, which distroless republishes on every "
                                       f"rebuild; use :nonroot or pin a digest (`{name}@sha256:...`); no fix: godockerlint "
                                       f"does not invent a digest")
        return
    if tag is None or MOVING_TAG.match(tag):
        what = "has no tag (it means :latest)" if tag is None else f"uses the moving tag :{tag}"
        yield ctx.report(from_ins, f"the final base {base} {what}: every build may ship another OS release; "
                                   f"pin a version tag such as {name}:<version>, or a digest; no fix: godockerlint "
                                   f"does not invent a version")


def _suffix_fix(from_ins, name):
    words = split_words(from_ins.args)
    if not words or not words[0].value.startswith(name):
        return None
    w = words[0]
    at = from_ins.text_offset(w.start + len(name) - 1) + 1
    return Fix((replace_span(at, at, "-debian12"),), SAFE, f"use {name}-debian12")

"""The final stage runs a Go binary on a base image other than distroless.

A Go binary needs no shell, no package manager and (built with CGO off) no
libc. Shipping it on the toolchain image (`FROM golang` last, or a single-stage
build) puts a compiler, the module cache and the sources in production: about
a gigabyte, and a large attack surface (error). On alpine, debian, ubuntu or
busybox it still ships a shell and a package manager (busybox: a shell and its
tools, wget and nc among them) that scanners flag and attackers use (warning). `gcr.io/distroless/static*` (CGO off) and `base*`/`cc*`
(CGO on) hold only what the binary needs; bases listed in the configuration's
`allowed-final-images` (glob patterns such as `scratch` or
`cgr.dev/chainguard/static*`) are accepted too.

The final stage is the last one, or the `--target` stage. It "runs a Go
binary" when it is itself a Go stage (a toolchain base or go commands) or it
copies files from a Go stage (`COPY --from=<go stage>`). A final stage whose
base comes from a build argument with no default is not judged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Info, not error: the image needs a shell for its entrypoint script, so a move
to distroless takes more than a base change (the message lists what):

```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/worker .

FROM alpine:3.19
RUN apk add --no-cache bash su-exec
COPY --from=build /usr/local/bin/worker /usr/local/bin/worker
COPY docker-entrypoint.sh /
ENTRYPOINT ["/docker-entrypoint.sh"]
```

Refused with its reason: cgo against musl cannot move to a glibc distroless image:

```dockerfile
FROM golang:1.22-alpine AS build
RUN apk add --no-cache gcc musl-dev
WORKDIR /src
COPY . .
RUN go build -o /out/notes .

FROM alpine:3.19
COPY --from=build /out/notes /notes
ENTRYPOINT ["/notes"]
```

What the image needs decides the severity (the analysis' "final-stage needs"):
an image that needs more than a static binary (a shell-form CMD or an
entrypoint script, packages installed for run time, a privilege-drop tool such
as su-exec or gosu, git or ssh at run time, the toolchain for `go run` at
start) gets info listing what a move to distroless would need, and no fix. An
image whose purpose is the toolchain (no CMD or ENTRYPOINT, `go test` at
start, golangci-lint, a stage named test/lint/ci/dev) gets info too. Error is
kept for a toolchain final stage that runs a Go-built binary needing nothing
else. A toolchain that the RUN installing it also removes (`apk del go`) is
not shipped. `scratch` finals are GDL405's business, and Chainguard's
`static` and `glibc-dynamic` images are accepted. The suggested base follows
cgo: CGO_ENABLED=1, a C toolchain in the builder with CGO_ENABLED unset (native
builds then default to cgo on) or `import "C"` in the context -> `base-debian12`
for a glibc builder; a musl (alpine) builder's cgo binary is not moved.

Fix (prove or refuse; when refused, the message ends with "no fix: <why>"):
- alpine/debian/other final stage: the base becomes `final-image` (unsafe:
  another base image) when the stage's base is an image (never another
  stage of the file), it has no RUN (an install of only ca-certificates or
  tzdata is removed: distroless has both), no shell form, no entrypoint script,
  no run-time package, its USER exists in distroless, and it does not listen
  below port 1024 as root (distroless `:nonroot` runs as 65532, which cannot
  bind those ports on Kubernetes or containerd). A stage without WORKDIR gets
  `WORKDIR /`: the old base ran in `/`, distroless `:nonroot` runs in
  `/home/nonroot`, and relative paths must keep their meaning.
- toolchain final stage: `--fix --unsafe-fixes` splits it (applied alone) into
  a build stage (ARG GOPROXY, dependency step, cache mounts, `-trimpath
  -ldflags="-s -w"`, `CGO_ENABLED=0` where cgo is on only by default and
  nothing needs it, said in the message) and a distroless final stage with the
  binaries at the same paths, the files a whole-context COPY brought that the
  app may read, non-Go ENV, LABEL, EXPOSE, HEALTHCHECK, the WORKDIR, USER
  65532:65532 (or the root user kept, and said, when it listens below 1024)
  and ENTRYPOINT/CMD in exec form pointed at the binary. Only when the
  entrypoint runs a binary built at a known path (`-o`, GOBIN, `go install`
  into `$GOPATH/bin`, `go build` named after the package directory, or after
  the module path with the context's go.mod) and nothing else of the old stage
  is needed at run time; otherwise it is refused with the reason.
"""

from __future__ import annotations

import fnmatch
import posixpath

from godockerlint.analysis.words import image_name
from godockerlint.fix.edits import delete_instruction, insert_lines_after, replace_span
from godockerlint.analysis.finalneeds import installs_only_certs
from godockerlint.core.findings import UNSAFE, Fix
from godockerlint.core.settings import DEFAULT_ALLOWED_FINAL_IMAGES

# accepted finals besides distroless (rules.md, revision 2)
ACCEPTED_FINALS = ("cgr.dev/chainguard/static*", "cgr.dev/chainguard/glibc-dynamic*")

CODE = "GDL401"
NAME = "final-not-distroless"
SEVERITY = "error"
FIX = "unsafe"
SUMMARY = "The final stage runs a Go binary on a base other than distroless."
OPTIONS = {}


def allowed(ref: str, patterns) -> bool:
    name = image_name(ref)
    return any(fnmatch.fnmatchcase(ref, p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def check(ctx):
    facts = ctx.facts
    final = facts.final
    base = final.root_base
    if not base or "$" in base or final.windows:
        return  # unresolved, or a Windows image: distroless has no Windows images
    if base.lower() == "scratch":
        return  # no shell, nothing to move: missing certificates are GDL405's
    patterns = DEFAULT_ALLOWED_FINAL_IMAGES + ACCEPTED_FINALS + tuple(ctx.settings.allowed_final_images)
    if allowed(base, patterns):
        return
    needs = facts.final_needs
    from_ins = final.stage.from_instruction
    if final.is_go and needs.ships_toolchain:
        yield from _toolchain_final(ctx, final, base, needs, from_ins)
        return
    if not needs.runs_go:
        return
    if not final.is_go and not _copies_from_go_stage(facts, final):
        return
    cgo = needs.cgo
    image = ctx.settings.final_image_cgo_on if cgo.on and not cgo.static else ctx.settings.final_image_cgo_off
    what = f"the final stage runs a Go binary on {base}, {_what_is_wrong(final.family)}"
    if final.is_go:  # go installed and removed in the same RUN: the binary is built in the final stage
        yield ctx.report(from_ins, f"{what}; no fix: moving to {image} would need a build stage of its own "
                                   f"(it builds its binary in place)", severity="info")
        return
    if needs.needs:
        musl = [f"a glibc build (the binary is built with cgo against musl, {cgo.why})"] if (
            cgo.on and not cgo.static and cgo.libc == "musl") else []
        yield ctx.report(from_ins, f"{what}; no fix: moving to {image} would need {'; '.join(needs.needs + musl)}",
                         severity="info")
        return
    if cgo.on and not cgo.static and cgo.libc == "musl":
        yield ctx.report(from_ins, f"{what}: use {ctx.settings.final_image_cgo_off} with a CGO_ENABLED=0 build, or "
                                   f"{ctx.settings.final_image_cgo_on} with a glibc builder; no fix: the binary is "
                                   f"built with cgo against musl ({cgo.why}), and distroless has no musl",
                         severity="warning")
        return
    fix, why = _move_fix(ctx, final, needs, image, from_ins)
    message = f"{what}: use {image}"
    if why:
        message += f"; no fix: {why}"
    yield ctx.report(from_ins, message, severity="warning", fix=fix)


def _toolchain_final(ctx, final, base, needs, from_ins):
    facts = ctx.facts
    where = "a single-stage build" if len(facts.stages) == 1 else f"the final stage {final.label}"
    image = ctx.settings.final_image_cgo_off
    shipped = f"{where} ships {_toolchain(final, base)}"
    if needs.purpose:
        yield ctx.report(from_ins, f"{shipped}, which looks intended ({needs.purpose}); no fix: an image made "
                                   f"for the toolchain's own work stays on it", severity="info")
        return
    if needs.needs:
        yield ctx.report(from_ins, f"{shipped}; no fix: moving to distroless would need {'; '.join(needs.needs)}",
                         severity="info")
        return
    from godockerlint.fix.rewrite import split_fix  # the rewrite machinery, only for the files that need it

    fix, why = split_fix(ctx)
    message = f"{shipped} to production: build in one stage and copy the binary into {image}"
    if why:
        message += f"; no fix: {why}"
    yield ctx.report(from_ins, message, severity="error", fix=fix)


def _move_fix(ctx, final, needs, image, from_ins):
    """(the base move, None) or (None, why it is refused)."""
    facts = ctx.facts
    if final.parent is not None:
        return None, f"its base is the stage {final.parent.label}, which the move must not replace"
    cgo = needs.cgo
    if cgo.on and not cgo.static and cgo.libc == "musl":
        return None, f"the binary is built with cgo against musl ({cgo.why}), and distroless has no musl"
    if needs.runs_as_root and needs.privileged_ports and "nonroot" in image:
        return None, (f"it listens on port {needs.privileged_ports[0]} as root, and {image} runs as 65532, "
                      f"which cannot bind a port below 1024 on Kubernetes or containerd")
    user = final.user
    if user is not None:
        name = user.split(":", 1)[0].strip()
        if not name.isdigit() and name not in ("root", "nonroot", "nobody") and not _copies_passwd(final):
            return None, f"the user {name} does not exist in {image}"
    argv = needs.entry or []
    if argv and not _provided(facts, final, argv[0]):
        return None, f"the {needs.entry_ins.keyword} runs {argv[0]}, which comes from {final.root_base}"
    words = from_ins.args.split()
    if not words:
        return None, "its FROM cannot be read"
    certs_only = [ins for ins in final.stage.instructions if ins.keyword == "RUN" and installs_only_certs(facts, ins)]
    start = from_ins.text_offset(0)
    end = from_ins.text_offset(len(words[0]) - 1) + 1
    edits = [replace_span(start, end, image)] + [delete_instruction(ctx.dockerfile, ins) for ins in certs_only]
    note = ""
    if not needs.has_workdir:
        edits.append(insert_lines_after(ctx.dockerfile, from_ins, ["WORKDIR /"]))
        note += ", with `WORKDIR /` (the old base ran in /)"
    if certs_only:
        note += ", without the ca-certificates/tzdata install (distroless has both)"
    if needs.runs_as_root and "nonroot" in image:
        note += "; it runs as 65532:65532 instead of root"
    return Fix(tuple(edits), UNSAFE, f"use {image} as the final base{note}"), None


def _copies_passwd(final) -> bool:
    from godockerlint.analysis.words import copy_destination

    return any(ins.keyword in ("COPY", "ADD") and "passwd" in copy_destination(ins)
               for st in [final] + final.ancestors for ins in st.stage.instructions)


def _provided(facts, final, prog: str) -> bool:
    """Does the final stage's chain put `prog` (the program its ENTRYPOINT/CMD runs) into the image?"""
    from godockerlint.analysis.words import copy_destination, copy_sources

    name = posixpath.basename(prog)
    for st in facts.final_chain:
        for ins in st.stage.instructions:
            if ins.keyword not in ("COPY", "ADD"):
                continue
            dest = copy_destination(ins)
            srcs = copy_sources(ins)
            full = posixpath.normpath(posixpath.join(facts.workdir_at(ins), dest))
            if posixpath.basename(full) == name or any(posixpath.basename(s.rstrip("/")) == name for s in srcs):
                return True
            if dest.endswith("/") or dest in (".", "./") or len(srcs) > 1:
                if prog.startswith("/") and posixpath.dirname(prog) == full:
                    return True
                if not prog.startswith("/") and "/" not in prog:
                    return True  # copied into a folder on PATH (or named as the source): trusted
    return False


def _copies_from_go_stage(facts, final) -> bool:
    return any(ins.keyword in ("COPY", "ADD") and ins.flag("from") is not None
               and _is_go_stage(facts, ins.flag("from").value, st.index)
               for st in facts.final_chain for ins in st.stage.instructions)


def _toolchain(final, base: str) -> str:
    if final.toolchain_base:
        return f"the Go toolchain image {base}"
    return f"the Go toolchain installed on {base}"


def _what_is_wrong(family: str) -> str:
    if family == "other":
        return "which is neither distroless nor listed in allowed-final-images"
    if family == "busybox":
        return "which ships a shell and a few hundred Unix tools (wget, nc, vi)"
    return "which ships a shell and a package manager"


def _is_go_stage(facts, ref: str | None, before: int) -> bool:
    if not ref:
        return False
    st = facts.dockerfile.stage_by_ref(ref, before=before)
    return st is not None and facts.stages[st.index].is_go

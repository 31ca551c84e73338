"""A `FROM scratch` final stage ships no CA certificates.

`scratch` is empty: no `/etc/ssl/certs/ca-certificates.crt`, no
`/usr/share/zoneinfo`, no `/etc/passwd`. A Go binary on it builds and starts,
then fails at the first HTTPS call with `x509: certificate signed by unknown
authority` (every cloud SDK, webhook, OAuth or database-over-TLS client), and
`time.LoadLocation("Europe/Paris")` returns `unknown time zone`. Both show up in
production, not in the build.

The rule fires when the final stage (followed through `FROM <stage>`) is
`scratch`, runs a Go binary, and nothing brings a CA bundle in: no COPY/ADD
whose source or destination is a certificate path (`/etc/ssl/...`,
`ca-certificates.crt`, `/etc/pki/...`, `*.pem`, `*.crt`) and no
`SSL_CERT_FILE`/`SSL_CERT_DIR` ENV. Missing zoneinfo alone is not reported
(many programs never load a location, and `-tags timetzdata` or
`import _ "time/tzdata"` embed the database in the binary), but the message
names it when it is missing too and no go build uses `-tags timetzdata`.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -tags timetzdata -o /out/app .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```

Fix (unsafe): the base becomes distroless static (config `final-image`,
default `gcr.io/distroless/static-debian12:nonroot`), which carries the CA
bundle, tzdata and a passwd file. It is unsafe because the image changes:
with the `:nonroot` default the process no longer runs as root (said in the
message). A stage without WORKDIR gets `WORKDIR /`, since scratch runs in `/`
and distroless `:nonroot` in `/home/nonroot` (relative COPY destinations and
entrypoints keep their meaning). Refused, with the reason, when the scratch
base belongs to another stage of the file (`FROM <stage>`: that stage is not
replaced) or when the image listens below port 1024 as root (the nonroot user
cannot bind it on Kubernetes or containerd). Copying the CA bundle from the
build stage, as in the best practice, keeps scratch.
"""

from __future__ import annotations

from godockerlint.analysis.words import copy_destination, copy_sources
from godockerlint.fix.edits import insert_lines_after, replace_span
from godockerlint.core.findings import UNSAFE, Fix
from godockerlint.parse.shell import split_words

CODE = "GDL405"
NAME = "scratch-without-certs"
SEVERITY = "warning"
FIX = "unsafe"
SUMMARY = "A scratch final stage has no CA bundle (TLS fails: x509 unknown authority) and maybe no zoneinfo."

CERT_MARKERS = ("ca-certificates", "ca-bundle", "cacert", "/etc/ssl", "etc/ssl/", "/etc/pki", ".pem", ".crt")


def check(ctx):
    facts = ctx.facts
    final = facts.final
    if final.root_base.lower() != "scratch" or not final.runs_go_binary:
        return
    chain = facts.final_chain
    paths = []
    for st in chain:
        for ins in st.stage.instructions:
            if ins.keyword in ("COPY", "ADD") and not ins.heredocs:
                srcs = copy_sources(ins)
                if ins.flag("from") is not None and any(s.strip() in ("/", "/*", "/.") for s in srcs):
                    return  # another stage's whole filesystem, its CA bundle with it (GDL406 reports the copy)
                paths.extend(p.lower() for p in srcs + [copy_destination(ins)])
    env = final.env
    certs = "SSL_CERT_FILE" in env or "SSL_CERT_DIR" in env or any(
        m in p for p in paths for m in CERT_MARKERS)
    if certs:
        return
    tz = "ZONEINFO" in env or any("zoneinfo" in p for p in paths) or any(
        "timetzdata" in (g.flags.get("tags") or "") for st in facts.stages for g in st.go_commands)
    missing = "no CA bundle" + ("" if tz else " and no zoneinfo")
    effects = "TLS calls fail with x509: certificate signed by unknown authority" + (
        "" if tz else ", time.LoadLocation fails")
    root_from = chain[0].stage.from_instruction
    image = ctx.settings.final_image_cgo_off
    src = next((ins.flag("from").value for st in chain for ins in st.stage.instructions
                if ins.keyword == "COPY" and ins.flag("from") is not None), None) or "<build stage>"
    fix, why = _fix(ctx, final, root_from, image)
    yield ctx.report(
        final.stage.from_instruction,
        f"the scratch final stage has {missing}: {effects}; "
        f"COPY --from={src} /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ or use {image}"
        + (f"; no fix: {why}" if why else ""),
        fix=fix,
    )


def _fix(ctx, final, root_from, image):
    needs = ctx.facts.final_needs
    if final.parent is not None:
        return None, f"the scratch base belongs to the stage {final.parent.label}, which the move must not replace"
    words = split_words(root_from.args)
    if not words or words[0].value.lower() != "scratch":
        return None, None
    nonroot = "nonroot" in image and final.user is None
    if nonroot and needs.privileged_ports:
        return None, (f"it listens on port {needs.privileged_ports[0]} as root, and {image} runs as 65532, which "
                      f"cannot bind a port below 1024 on Kubernetes or containerd")
    start = root_from.text_offset(words[0].start)
    end = root_from.text_offset(words[0].end - 1) + 1
    edits = [replace_span(start, end, image)]
    extra = ""
    if not needs.has_workdir:
        edits.append(insert_lines_after(ctx.dockerfile, root_from, ["WORKDIR /"]))
        extra = ", with `WORKDIR /` (scratch ran in /)"
    user = "; it runs as 65532:65532 instead of root" if nonroot else ""
    return Fix(tuple(edits), UNSAFE, f"use {image}, which carries CA certificates and tzdata{extra}{user}"), None

"""A GOPROXY value that go rejects, that cannot work, or that leaves no way out.

Every GOPROXY value the Dockerfile writes is checked: ARG defaults (global or
in a stage), ENV, inline `GOPROXY=... go build`, `export GOPROXY=...` and
`go env -w GOPROXY=...`. GOPROXY is a list of entries separated by `,` (try the
next entry only on 404/410) or `|` (try the next entry on any error); an entry
is `direct`, `off`, or a proxy URL.

- error: an entry with a scheme other than `https`, `http` or `file` (go:
  "invalid proxy URL scheme"), or a single word other than `direct`/`off`
  (go: "invalid proxy URL missing scheme"); a value made only of separators
  (go: "GOPROXY list is not the empty string, but contains no entries").
- error: `GOPROXY=off` in effect for a go command that must download modules
  while nothing is vendored and no earlier step downloaded them: go fails with
  "module lookup disabled by GOPROXY=off". `GOPROXY=off` after a
  `go mod download` step, or with `-mod=vendor`, is a sound way to forbid the
  network and is not flagged.
- warning: `http://` to a host other than the loopback: modules and the
  `$GOPROXY/sumdb/...` lookups travel in clear text.
- warning: an empty entry (`a,,direct`, a trailing comma). go skips it, so
  nothing fails, but a proxy or `direct` was almost certainly dropped.
- info: the list does not end in `direct` or `off`: a private module or a
  module the proxy answers 404 for has nowhere to go.
- info: a `|` separator: on any error of the first entry (including a
  gatekeeping proxy's 403 that blocks a module on purpose) go tries the next
  entry, which bypasses the gate. Use `,` unless that is what you want.

Decisions: a schemeless entry with a dot, colon or slash (`goproxy.cn`) is
accepted, as go adds `https://` to it. Values that contain `$` (computed from
other variables) are not judged. A URL's userinfo is never printed (and is
GDL501's business).

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
ARG GOPROXY=goproxy|https://proxy.golang.org
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
ARG GOPROXY=https://goproxy.cn,https://proxy.golang.org,direct
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
```

No fix: the right proxy is the owner's choice; the message names the entry and
what go does with it.
"""

from __future__ import annotations

import re

from godockerlint.analysis.gocommands import FETCHING
from godockerlint.analysis.facts import assignments

CODE = "GDL103"
NAME = "goproxy-value-invalid"
SEVERITY = "error"
FIX = "none"
SUMMARY = "A GOPROXY value is malformed, `off` without vendoring, plain http, or has no direct/off fallback."

LOOPBACK_RE = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$", re.I)
USERINFO_RE = re.compile(r"(//)([^/@\s]*)@")


def mask(value: str) -> str:
    """Hide the password (or lone token) of any URL userinfo."""
    def repl(m):
        user, sep, _ = m.group(2).partition(":")
        return f"{m.group(1)}{user}:****@" if sep else f"{m.group(1)}****@"
    return USERINFO_RE.sub(repl, value)


def check(ctx):
    facts = ctx.facts
    for a in assignments(facts, {"GOPROXY"}):
        if a.value is None:
            continue
        value = a.value.strip()
        if not value or "$" in value:
            continue
        for severity, message in problems(value):
            yield ctx.report(a.span, message, severity=severity)
    yield from _off_without_modules(ctx)


def problems(value: str) -> list[tuple[str, str]]:
    shown = mask(value)
    raw = re.split(r"[,|]", value)
    entries = [e.strip() for e in raw]
    real = [e for e in entries if e]
    out: list[tuple[str, str]] = []
    if not real:
        return [("error", f"`GOPROXY={shown}` lists no proxy: go fails with \"GOPROXY list is not the empty "
                          f"string, but contains no entries\"; set a proxy list such as https://proxy.golang.org,direct")]
    bad_scheme, no_scheme, plain_http = [], [], []
    for e in real:
        if e in ("direct", "off"):
            continue
        m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", e)
        if m and "://" in e or (m and e.startswith(m.group(0) + "/")):
            scheme = m.group(1).lower()
            if scheme not in ("https", "http", "file"):
                bad_scheme.append(e)
            elif scheme == "http" and not _loopback(e):
                plain_http.append(e)
        elif not any(c in e for c in ".:/"):
            no_scheme.append(e)
    if bad_scheme:
        out.append(("error", f"`GOPROXY` entry {_names(bad_scheme)} has an unsupported scheme: go "
                             f"fails with \"invalid proxy URL scheme (must be https, http, file)\"; use an https:// URL"))
    if no_scheme:
        out.append(("error", f"`GOPROXY` entry {_names(no_scheme)} is neither `direct`, `off` nor a "
                             f"URL: go fails with \"invalid proxy URL missing scheme\"; write the proxy's https:// URL"))
    if plain_http:
        out.append(("warning", f"`GOPROXY` entry {_names(plain_http)} uses plain http to a remote "
                               f"host: modules travel unencrypted; use https://"))
    if len(real) < len(entries):
        out.append(("warning", f"`GOPROXY={shown}` has an empty entry, which go skips: a proxy or `direct` is probably "
                               f"missing; remove the stray separator"))
    if real[-1] not in ("direct", "off") and not bad_scheme and not no_scheme:
        out.append(("info", f"`GOPROXY={shown}` does not end in `direct` or `off`: private modules and modules the "
                            f"proxy does not serve have nowhere to go; append `,direct`"))
    if "|" in value:
        out.append(("info", f"`GOPROXY={shown}` uses `|`, which falls back on any error, including a gatekeeping "
                            f"proxy's 403 on a blocked module; use `,` unless bypassing the proxy is intended"))
    return out


def _names(entries) -> str:
    return ", ".join(f"`{mask(e)}`" for e in entries)


def _loopback(url: str) -> bool:
    rest = url.split("://", 1)[1]
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):
        host = host.split("]", 1)[0] + "]"
    else:
        host = host.split(":", 1)[0]
    return bool(LOOPBACK_RE.match(host))


def _off_without_modules(ctx):
    for sf in ctx.facts.stages:
        downloaded = False
        for run in sf.runs:
            if run.deps_ready_before is not None:
                downloaded = True
            for gc in run.go_commands:
                would_fetch = gc.subcommand in FETCHING or (gc.subcommand == "list" and "m" in gc.flags)
                if not would_fetch or gc.vendored:
                    continue
                if not gc.proxy_off:
                    downloaded = downloaded or gc.fetching
                    continue
                if downloaded:
                    continue
                yield ctx.report(
                    gc.span,
                    f"`go {gc.subcommand}` runs with GOPROXY=off but the modules are neither vendored nor "
                    f"downloaded by an earlier step: it fails with \"module lookup disabled by GOPROXY=off\"; "
                    f"download them first (`go mod download`) or build with -mod=vendor",
                    severity="error",
                )
                break
            else:
                continue
            break

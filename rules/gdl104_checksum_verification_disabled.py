"""Module checksum verification or TLS verification is turned off for the build.

go checks every downloaded module against go.sum and, for modules not yet in
go.sum, against the public checksum database (GOSUMDB). That is what makes a
compromised proxy, a hijacked repository or a man in the middle unable to
slip a different module into the image. The settings below switch that off for
every module, or fetch code without TLS:

- `GOSUMDB=off`; `GONOSUMDB=*`, `GONOSUMCHECK=*` or `GOPRIVATE=*` (a `*`
  entry matches every module path, so no module is checked against the
  database, and with GOPRIVATE none goes through the proxy either);
- `GOINSECURE=...`: those modules are fetched over plain http or without
  certificate checks;
- `GIT_SSL_NO_VERIFY` set to any value (git only tests that it is set), and
  `git config http.sslVerify false` / `git -c http.sslVerify=false`
  (also the per-URL `http.<url>.sslVerify`): `direct` fetches trust any
  certificate;
- `go get -insecure` and `GOFLAGS=-insecure`: on a stage whose Go (from the
  analysis) is older than 1.17 it works and turns off TLS checks (warning);
  the flag was removed in Go 1.17,
  so current go rejects it and the build fails (error).

Wherever the Dockerfile writes them (ARG default, ENV, inline, `export`,
`go env -w`), in any stage: the value is the author's intent even where it has
no effect yet. Values computed from other variables (`$X`) are not judged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
ENV GOSUMDB=off
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
ENV GONOSUMDB=github.com/example-corp/*
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

No fix: which modules are private is the owner's knowledge. The message names
the narrow alternative: list only the private module paths in GOPRIVATE (or
GONOSUMDB/GONOPROXY), using the configuration's `private:` globs when given,
and trust a private CA instead of disabling TLS checks.
"""

from __future__ import annotations

import re

from godockerlint.analysis.facts import assignments

CODE = "GDL104"
NAME = "checksum-verification-disabled"
SEVERITY = "warning"
FIX = "none"
SUMMARY = "Module checksum or TLS verification is disabled (GOSUMDB=off, GOPRIVATE=*, GOINSECURE, -insecure, sslVerify false)."

NAMES = frozenset({"GOSUMDB", "GONOSUMDB", "GONOSUMCHECK", "GOPRIVATE", "GOINSECURE", "GOFLAGS", "GIT_SSL_NO_VERIFY"})
SSLVERIFY_RE = re.compile(r"^http(\..+)?\.sslverify$", re.I)
FALSE_VALUES = frozenset({"false", "0", "no", "off"})


def check(ctx):
    globs = ",".join(ctx.settings.private) or "github.com/your-org/*"
    narrow = f"list only the private module paths instead (e.g. GOPRIVATE={globs})"
    for a in assignments(ctx.facts, NAMES):
        if a.value is None or "$" in a.value:
            continue
        value = a.value.strip()
        name = a.name
        if name == "GOSUMDB" and value == "off":
            yield ctx.report(a.span, f"`GOSUMDB=off` stops go from checking any new module against the checksum "
                                     f"database: a tampered module goes unnoticed; {narrow}")
        elif name in ("GONOSUMDB", "GONOSUMCHECK", "GOPRIVATE") and "*" in [e.strip() for e in value.split(",")]:
            extra = " or fetched through the module proxy" if name == "GOPRIVATE" else ""
            yield ctx.report(a.span, f"`{name}={value}` matches every module, so no module is checked against the "
                                     f"checksum database{extra}; {narrow}")
        elif name == "GOINSECURE" and value:
            yield ctx.report(a.span, f"`GOINSECURE={value}` fetches those modules over plain http or without "
                                     f"certificate checks; serve them over https, and trust a private CA by adding "
                                     f"it to the image's certificate store")
        elif name == "GOFLAGS" and re.search(r"(^|\s)--?insecure(=\S*)?(\s|$)", value):
            yield ctx.report(a.span, "`GOFLAGS=-insecure`: the -insecure flag was removed in Go 1.17 and go rejects "
                                     "it; drop it and, for a host without TLS, set GOINSECURE to that host only",
                             severity="error")
        elif name == "GIT_SSL_NO_VERIFY":
            yield ctx.report(a.span, f"`GIT_SSL_NO_VERIFY` is set (git ignores its value): `direct` module fetches "
                                     f"trust any certificate; add the server's CA to the image's certificate store "
                                     f"instead")
    for sf in ctx.facts.stages:
        for run in sf.runs:
            for gc in run.go_commands:
                if "insecure" in gc.flags and not sf.go_version.at_least((1, 17)):
                    word = gc.flag_words["insecure"]
                    yield ctx.report(ctx.facts.word_span(gc, word),
                                     f"`go {gc.subcommand} -insecure` fetches over plain http and without certificate "
                                     f"checks: anyone on the path can change the code that is built; serve the "
                                     f"repository over https" + (" and set GOINSECURE to that host only if you must"
                                                                 if sf.go_version.at_least((1, 14)) else ""))
                elif "insecure" in gc.flags:
                    word = gc.flag_words["insecure"]
                    yield ctx.report(ctx.facts.word_span(gc, word),
                                     f"`go {gc.subcommand} -insecure`: the flag was removed in Go 1.17 and the build "
                                     f"fails with \"flag provided but not defined: -insecure\"; drop it and, for a "
                                     f"host without TLS, set GOINSECURE to that host only",
                                     severity="error")
            for cmd, base, heredoc in run.commands:
                if _git_ssl_off(cmd):
                    span = ctx.facts.command_span(run, cmd.start, cmd.end, base, heredoc)
                    yield ctx.report(span, "git is told not to verify TLS certificates (http.sslVerify false): "
                                           "`direct` module fetches trust any certificate; add the server's CA to the "
                                           "image's certificate store instead")


def _git_ssl_off(cmd) -> bool:
    words = [w.value for w in cmd.words]
    if not words or words[0].rsplit("/", 1)[-1] != "git":
        return False
    for i, w in enumerate(words):
        if w == "-c" and i + 1 < len(words):
            key, _, val = words[i + 1].partition("=")
            if SSLVERIFY_RE.match(key) and val.lower() in FALSE_VALUES:
                return True
    if "config" in words:
        rest = [w for w in words[words.index("config") + 1:] if not w.startswith("-")]
        if len(rest) >= 2 and SSLVERIFY_RE.match(rest[0]) and rest[1].lower() in FALSE_VALUES:
            return True
    return False

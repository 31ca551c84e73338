"""A Go stage runs a script fetched from the network, or ADDs a remote file without a checksum.

`curl -sSfL https://.../install.sh | sh` (the usual way to install
golangci-lint, goreleaser, task, buf...) runs whatever the server returns at
build time, with the stage's privileges and its access to the sources and any
mounted secret. A compromised or hijacked URL, or a moved `main` branch,
changes the build without a change to the Dockerfile, and the step is cached,
so the next clean build may fetch something else again. `ADD https://...`
without `--checksum` has the same problem for a downloaded binary.

Flagged in Go stages: a `curl`/`wget` whose output is piped into a shell
(`| sh`, `| bash`, `| sudo sh`...), a shell running `$(curl ...)`/
`$(wget ...)` (`sh -c "$(curl -fsSL ...)"`), and `ADD` of an `http(s)://`
source without `--checksum` (git sources, `ADD https://.../repo.git#ref`, are
pinned by their ref and not flagged). Piping into `tar` or writing to a file
that is then verified is not execution and is not flagged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS lint
RUN curl -sSfL https://raw.githubusercontent.com/golangci/golangci-lint/master/install.sh | sh -s -- -b /go/bin
WORKDIR /src
COPY . .
RUN golangci-lint run ./...
```

Best practice:

```dockerfile
FROM golang:1.25 AS lint
RUN go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.6.2
WORKDIR /src
COPY . .
RUN golangci-lint run ./...
```

No fix: the replacement depends on the tool. For Go tools use
`go install pkg@version` (checked against the module checksum database); for
other downloads `ADD --checksum=sha256:<digest> <url> <dest>` pins the bytes.
"""

from __future__ import annotations

from godockerlint.analysis.words import copy_sources

CODE = "GDL503"
NAME = "remote-script-execution"
SEVERITY = "warning"
FIX = "none"
SUMMARY = "A Go stage pipes curl/wget into a shell, or ADDs a remote file without --checksum."

FETCHERS = frozenset({"curl", "wget"})
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
WRAPPERS = frozenset({"sudo", "env", "command", "exec"})
ADVICE = "install Go tools with `go install pkg@version`, other downloads with `ADD --checksum=sha256:... <url> <dest>`"


def _prog(cmd) -> str:
    words = [w.value for w in cmd.words]
    i = 0
    while i < len(words) and (words[i].rsplit("/", 1)[-1] in WRAPPERS or (i > 0 and words[i].startswith("-"))):
        i += 1
    return words[i].rsplit("/", 1)[-1] if i < len(words) else ""


def _url(cmd) -> str:
    return next((w.value for w in cmd.words if "://" in w.value), "a remote URL")


def check(ctx):
    facts = ctx.facts
    for sf in facts.stages:
        if not sf.is_go:
            continue
        for run in sf.runs:
            cmds = run.commands
            for k, (cmd, base, heredoc) in enumerate(cmds):
                prog = _prog(cmd)
                if prog in FETCHERS and k + 1 < len(cmds) and cmds[k + 1][0].separator == "|" \
                        and _prog(cmds[k + 1][0]) in SHELLS:
                    nxt = cmds[k + 1][0]
                    span = facts.command_span(run, cmd.start, nxt.end, base, heredoc)
                    yield ctx.report(span, f"`{prog} {_url(cmd)} | {_prog(nxt)}` runs whatever the server returns "
                                           f"at build time; {ADVICE}")
                elif prog in SHELLS and any(w.value.startswith(("$(curl", "$(wget")) or "$(curl " in w.value
                                            or "$(wget " in w.value for w in cmd.words):
                    span = facts.command_span(run, cmd.start, cmd.end, base, heredoc)
                    yield ctx.report(span, f"`{prog}` runs a script downloaded at build time; {ADVICE}")
        for ins in sf.stage.instructions:
            if ins.keyword != "ADD" or ins.flag("checksum") is not None:
                continue
            for src in copy_sources(ins):
                low = src.lower()
                if low.startswith(("http://", "https://")) and ".git" not in low.split("?")[0].rsplit("/", 1)[-1] \
                        and ".git#" not in low:
                    yield ctx.report(ins, f"`ADD {src}` downloads a file without `--checksum`: its content can change "
                                          f"under the same URL; use `ADD --checksum=sha256:<digest> {src} ...`")
                    break

"""Fuzzing the whole pipeline with generated Dockerfiles (hypothesis).

The strategy writes Dockerfile-shaped text: real and unknown instructions in any case,
flags (`--mount` with every type and alias, with and without target, `--from`,
`--platform`...), continuations with comment and blank lines and escaped escapes at a
line end, heredocs in every word form BuildKit reads (blanks after `<<`, `-EOF` names,
escaped and partly quoted words, quoted words with blanks, a file descriptor, ONBUILD
triggers; terminated or not) and forms that are no heredoc (`<<- EOF`, `cat <<-`), a
`#!` shebang before the directives, Go commands with env prefixes, secrets, CRLF or LF,
a BOM, and random bytes in values. Properties:

- parsing raises nothing but ParseError;
- linting raises nothing, and no rule fails on any input (LintResult.errors is empty);
- `--fix --unsafe-fixes` output parses, fixing it again changes nothing, and it is
  exactly the original with the reported edits applied (nothing changes outside them;
  the BOM and CRLF line endings are kept).

Budget: the `dev` or `ci` hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

from hypothesis import example, given, strategies as st

from godockerlint.lint.engine import lint_bytes
from godockerlint.fix.fixer import apply_edits, fix_bytes
from godockerlint.parse.parser import ParseError, parse, parse_bytes
from godockerlint.core.settings import Settings

SETTINGS = Settings()

IMAGES = ["golang:1.25", "golang:1.22-alpine AS build", "golang AS b", "alpine:3.20", "scratch",
          "gcr.io/distroless/static-debian12:nonroot", "debian:12 AS run", "build", "${BASE}", "--platform=$BUILDPLATFORM golang:1.25 AS x",
          "ubuntu", "0"]
FLAGS = ["--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,dst=/root/.cache/go-build,id=gb",
         "--mount=type=bind,source=go.mod,target=go.mod", "--mount=type=secret,id=netrc,target=/root/.netrc",
         "--mount=type=ssh", "--mount=type=tmpfs,target=/t", "--mount=target=/src,type=bind,rw",
         "--mount=type=bind,source=.", "--mount=from=build", "--mount=ro", "--mount=type=cache",
         "--mount=type=tmpfs,size=64m", "--mount=type=secret,id=tok,env=GITHUB_TOKEN,required",
         "--mount=type=cache,target=/go/pkg/mod,sharing=locked,mode=0777,uid=1000",
         "--from=build", "--from=0", "--chown=1000:1000", "--chmod=755", "--link", "--network=none", "--"]
MOUNTS = FLAGS[:14]
COPY_FLAGS = FLAGS[14:18]
# (marker as written, the line that ends it): every heredoc word form BuildKit reads
HEREDOC_WORDS = [("<<EOF", "EOF"), ("<<'EOF'", "EOF"), ('<<"GO"', "GO"), ("<<END", "END"), ("<<  EOF", "EOF"),
                 ("<< -EOF", "-EOF"), ("<<eo\\'f", "eo'f"), ("<<'e'o\\'f", "eo'f"), ("<<'one two'", "one two"),
                 ('<<E"O"F', "EOF"), ("3<<EOF", "EOF"), ("<<EOF>out", "EOF>out")]
GO = ["go build -o /out/app .", "go build ./...", "CGO_ENABLED=0 go build -a -installsuffix cgo -o /app .",
      "go mod download", "go mod tidy", "go get github.com/x/y", "go install golang.org/x/tools/gopls@latest",
      "go clean -modcache", "go test ./...", "go env -w GOPROXY=https://proxy.example.com,direct",
      "GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/x ./cmd/x", "cd /src && go build .",
      "export GOFLAGS=-mod=vendor && go build .", "sh -c 'go build -o /app .'", "go run ./gen"]
SHELL = ["apk add --no-cache git gcc musl-dev", "apt-get update && apt-get install -y gcc",
         "curl -sSL https://example.com/x.sh | sh", "git config --global url.\"https://ghp_abcdefghij0123456789abcdefghij012345@github.com/\".insteadOf \"https://github.com/\"",
         "echo hi", "true", "[ -f x ] || exit 1"]
WORDS = ["GOPROXY=https://user:s3cr3t@proxy.example.com,direct", "GOPRIVATE=github.com/acme/*", "GOSUMDB=off",
         "CGO_ENABLED=1", "TOKEN=abc123abc123abc123abc1", "GOPATH=/go", "GOCACHE=/cache", "HOME=/home/app",
         "PATH=/usr/local/go/bin:$PATH", "A=\"b c\"", "x='y z'"]

random_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=12)
random_bytes = st.binary(max_size=8).map(lambda b: b.replace(b"\x00", b"").decode("latin-1"))
value = st.one_of(st.sampled_from(WORDS), random_text, random_bytes, st.sampled_from(["\\", "`", "$", "${X:-${Y}}",
                                                                                         "<<EOF", "'", '"', "#"]))


@st.composite
def instruction(draw) -> list[str]:
    kind = draw(st.integers(0, 14))
    if kind == 0:
        return ["FROM " + draw(st.sampled_from(IMAGES))]
    if kind in (1, 2, 3):
        flags = draw(st.lists(st.sampled_from(MOUNTS + ["--network=none"]), max_size=2))
        cmds = draw(st.lists(st.sampled_from(GO + SHELL), min_size=1, max_size=3))
        kw = draw(st.sampled_from(["RUN", "run", "Run"]))
        if draw(st.booleans()):  # a continuation, maybe with comments and blank lines inside
            lines = [f"{kw} {' '.join(flags)} {cmds[0]}".replace("  ", " ")]
            for c in cmds[1:]:
                lines[-1] += " \\"
                lines += draw(st.lists(st.sampled_from(["  # a comment", "", "    "]), max_size=1))
                lines.append(f"    && {c}")
            return lines
        return [f"{kw} {' '.join(flags)} " + " && ".join(cmds)]
    if kind == 4:  # a heredoc
        dash = draw(st.sampled_from(["", "-"]))
        marker, bare = draw(st.sampled_from(HEREDOC_WORDS))
        if dash:
            marker = marker.replace("<<", "<<-", 1)
        body = draw(st.lists(st.one_of(st.sampled_from(GO + SHELL), value), max_size=3))
        head = draw(st.sampled_from(["RUN", "COPY", "ONBUILD RUN", "onbuild copy", "RUN cat", "RUN --mount=type=cache,target=/go/pkg/mod"]))
        lines = [f"{head} {marker}" + (" /dst" if draw(st.booleans()) else "")] + [("\t" if dash else "") + b for b in body]
        if draw(st.integers(0, 9)):
            lines.append(("\t" if dash and draw(st.booleans()) else "") + bare)
        return lines
    if kind == 5:
        return [f"{draw(st.sampled_from(['ENV', 'ARG', 'env', 'arg']))} {draw(value)}"]
    if kind == 6:
        return [f"ARG {draw(st.sampled_from(['GOPROXY', 'TARGETOS', 'TARGETARCH', 'BASE=golang:1.25', 'GO_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345']))}"]
    if kind == 7:
        return [f"COPY {draw(st.sampled_from(COPY_FLAGS))} {draw(st.sampled_from(['. .', 'go.mod go.sum ./', '/out/app /app', '--from=build /out /', '.netrc /root/']))}"]
    if kind == 8:
        return [draw(st.sampled_from(["WORKDIR /src", "USER 65532:65532", "USER app", "USER root",
                                      'ENTRYPOINT ["/app"]', "CMD /app --serve", "EXPOSE 8080",
                                      "HEALTHCHECK CMD wget -q localhost || exit 1", 'SHELL ["/bin/sh", "-c"]',
                                      "ADD https://example.com/x.tgz /x", "ONBUILD RUN go build .",
                                      "LABEL a=b", "VOLUME /data", "STOPSIGNAL SIGTERM"]))]
    if kind == 9:
        return ["# " + draw(st.sampled_from(["godockerlint ignore=GDL101", "godockerlint stage ignore=GDL2",
                                             "godockerlint global ignore=GDL999", "comment"])) ]
    if kind == 10:
        return [""]
    if kind == 11:  # anything at all
        return [draw(st.sampled_from(["FOO bar", "RUN", "RUN \\", "FROM", "COPY --mount=x a b", "RUN --mount=type=nope x",
                                      "RUN <<- EOF", "RUN cat <<-", "RUN cat <<'EOF", "ENV GOFLAGS", "HEALTHCHECK CMD",
                                      "ONBUILD RUN <<EOF"]))
                + draw(random_text)]
    if kind == 12:  # an escape at the end of a line, itself escaped or not
        esc = draw(st.sampled_from(["\\", "\\\\", "\\\\\\", "\\ ", "`", "``"]))
        return [f"{draw(st.sampled_from(['ENV C trailing', 'RUN go build ./...', 'LABEL a=b']))}{esc}",
                draw(st.sampled_from(["RUN go version", "  && go vet ./...", "# comment", ""]))]
    return [f"{draw(st.sampled_from(['RUN', 'ENV', 'LABEL', 'COPY']))} {draw(value)} {draw(value)}"]


@st.composite
def dockerfiles(draw) -> bytes:
    lines: list[str] = []
    if draw(st.integers(0, 4)) == 0:
        lines.append(draw(st.sampled_from(["#!/usr/bin/env -S docker build . -f", "#!/bin/sh"])))
    lines += draw(st.lists(st.sampled_from(["# syntax=docker/dockerfile:1", "# escape=`", "# check=skip=all",
                                            "# syntax=docker/dockerfile:experimental", "# check=error=true"]),
                           max_size=2, unique=True))
    if draw(st.integers(0, 9)):
        lines.append("FROM " + draw(st.sampled_from(IMAGES)))
    for _ in range(draw(st.integers(0, 10))):
        lines += draw(instruction())
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from([newline, ""]))
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 19)) == 0:  # now and then, a raw byte anywhere
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(min_size=1, max_size=3)) + data[i:]
    return data


@given(dockerfiles())
def test_parsing_raises_only_parse_error(data):
    try:
        df = parse_bytes(data)
    except ParseError as exc:
        assert exc.line >= 1 and exc.column >= 1 and exc.message
        return
    assert df.text.encode("utf-8") == data.removeprefix(b"\xef\xbb\xbf")


@given(dockerfiles())
def test_lint_never_raises_and_no_rule_fails(data):
    result = lint_bytes(data, "Dockerfile", SETTINGS, context_dir=None)
    assert result.errors == []
    for f in result:
        assert f.line >= 1 and f.column >= 1 and "\n" not in f.message


@given(dockerfiles())
@example(b"FROM golang:1.25\nRUN <<-EOF\n\tgo mod tidy\nEOF\n")  # GDL105's -diff insert in a <<- body
@example(b"FROM scratch\r\nRUN  go build -o /out/app .\r\n")  # a line inserted after a CRLF FROM line
def test_fix_parses_is_idempotent_and_changes_only_its_edits(data):
    out = fix_bytes(data, "Dockerfile", SETTINGS, context_dir=None, unsafe=True)
    assert out.errors == []
    if out.text is None:  # did not parse: nothing fixed, nothing to write
        assert out.fixed == 0 and out.remaining[0].code == "GDL001"
        return
    text = out.original
    for before, edits in out.passes:  # the result is the original with the reported edits, nothing else
        assert before == text
        text = apply_edits(before, edits)
    assert text == out.text
    fixed = parse(out.text)  # the fixed file parses
    assert out.data().startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    if "\r\n" in out.original and "\n" not in out.original.replace("\r\n", ""):
        assert "\n" not in out.text.replace("\r\n", ""), "a fix wrote LF into a CRLF file"
    again = fix_bytes(out.data(), "Dockerfile", SETTINGS, context_dir=None, unsafe=True)
    assert again.text == out.text, "fixing the fixed file changed it again"
    assert fixed.text == out.text

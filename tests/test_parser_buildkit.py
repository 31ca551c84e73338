"""The parser reads a Dockerfile as BuildKit does, construct by construct (issue 12).

Written from BuildKit's grammar (moby/buildkit dockerfile/1.26.0-labs-57-g73ed6825c,
`frontend/dockerfile/parser/` and `frontend/dockerfile/instructions/`): what splits a
line, what a heredoc word is, which --mount keys and values exist, what is refused and
with which words. Expected values come from that grammar and from the test's own text
(`str.index`), never from the parser's output.
"""

from __future__ import annotations

import json

import pytest

from godockerlint.parse.parser import ParseError, parse, parse_bytes


def error(text: str | bytes) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_bytes(text) if isinstance(text, bytes) else parse(text)
    return info.value


def at(text: str, needle: str, after: str = "") -> tuple[int, int]:
    """1-based (line, column) of `needle` in `text` (after the first `after`)."""
    i = text.index(needle, text.index(after) + len(after) if after else 0)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def instructions(text: str) -> list[tuple[str, str, int]]:
    return [(i.keyword, i.args, i.line) for i in parse(text).instructions]


# -- 1. RUN --mount: every key, defaults, and only BuildKit's refusals ----------------------
def mount(spec: str):
    run = parse(f"FROM golang:1.25\nRUN {spec} go build ./...\n").instructions[1]
    assert run.args == "go build ./..."
    (m,) = run.mounts
    return m


@pytest.mark.parametrize("spec,mtype,target,source,from_,readonly", [
    # a bind mount needs no target: it mounts at the working directory
    ("--mount=type=bind,source=.", "bind", None, ".", None, True),
    ("--mount=from=binaries", "bind", None, None, "binaries", True),
    ("--mount=ro", "bind", None, None, None, True),  # a bind of the context, read-only
    ("--mount=rw", "bind", None, None, None, False),
    ("--mount=type=cache", "cache", None, None, None, False),
    ("--mount=type=tmpfs,size=64m", "tmpfs", None, None, None, False),
    ("--mount=type=ssh", "ssh", None, None, None, True),
    ("--mount=type=secret,id=netrc", "secret", None, None, None, True),
    ("--mount=type=secret,target=/root/.netrc", "secret", "/root/.netrc", None, None, True),
    ("--mount=type=secret,src=netrc", "secret", None, "netrc", None, True),
])
def test_mount_without_target_is_valid(spec, mtype, target, source, from_, readonly):
    m = mount(spec)
    assert (m.type, m.target, m.source, m.from_, m.readonly) == (mtype, target, source, from_, readonly)


@pytest.mark.parametrize("spec,key,value,readonly", [
    ("--mount=type=bind,target=/src,ro", "readonly", "true", True),
    ("--mount=type=bind,target=/src,readonly", "readonly", "true", True),
    ("--mount=type=bind,target=/src,rw", "rw", "true", False),
    ("--mount=type=bind,target=/src,readwrite", "rw", "true", False),
    ("--mount=type=bind,target=/src,ro=false", "readonly", "false", False),
    ("--mount=type=bind,target=/src,readonly=0", "readonly", "0", False),
    ("--mount=type=cache,target=/x,rw=FALSE", "rw", "FALSE", True),
    ("--mount=type=cache,target=/x,readwrite=t", "rw", "t", False),
    ("--mount=type=tmpfs,target=/t,size=1.5GiB", "size", "1.5GiB", False),
    ("--mount=type=tmpfs,target=/t,size=512", "size", "512", False),
    ("--mount=type=cache,target=/x,mode=0755", "mode", "0755", False),
    ("--mount=type=cache,target=/x,uid=1000,gid=1000", "gid", "1000", False),
    ("--mount=type=cache,target=/x,sharing=LOCKED", "sharing", "LOCKED", False),
    ("--mount=type=cache,target=/x,id=gomod", "id", "gomod", False),
    ("--mount=type=secret,id=tok,env=GITHUB_TOKEN", "env", "GITHUB_TOKEN", True),
    ("--mount=type=secret,id=tok,required", "required", "true", True),
    ("--mount=type=ssh,required=True", "required", "True", True),
    ("--mount=type=secret,id=x,mode=0400,uid=0", "mode", "0400", True),
    ("--mount=Type=Cache,Destination=/x", "target", "/x", False),
    ("--mount=type=cache,target=/x,mode=$MODE", "mode", "$MODE", False),  # expanded at build time
    ("--mount=type=$KIND,target=/x,size=$SIZE", "size", "$SIZE", True),
])
def test_every_mount_key_buildkit_knows(spec, key, value, readonly):
    m = mount(spec)
    assert dict(m.options)[key] == value
    assert m.readonly is readonly


@pytest.mark.parametrize("spec,message", [
    ("--mount=type=volume,target=/x", 'unsupported mount type "volume"'),
    ("--mount=type=cache,foo=bar", "unexpected key 'foo' in 'foo=bar'"),
    ("--mount=type=cache,target=/x,size=1g", "unexpected key 'size' for mount type 'cache'"),
    ("--mount=type=bind,required", "unexpected key 'required' for mount type 'bind'"),
    # keys are read in order: `required` before `type=secret` is still on a bind mount
    ("--mount=required,type=secret,id=a", "unexpected key 'required' for mount type 'bind'"),
    ("--mount=type=cache,target=/x,nocache", "invalid field 'nocache' must be a key=value pair"),
    ("--mount=type=cache,target=/x,", "invalid field '' must be a key=value pair"),
    ("--mount=type=bind,ro=maybe", "invalid value for ro: maybe"),
    ("--mount=type=tmpfs,size=-1", "invalid value for size: -1"),
    ("--mount=type=tmpfs,size=10x", "invalid value for size: 10x"),
    ("--mount=type=cache,target=/x,mode=0o755", "invalid value 0o755 for mode"),
    ("--mount=type=cache,target=/x,mode=0999", "invalid value 0999 for mode"),
    ("--mount=type=cache,target=/x,uid=-1", "invalid value -1 for uid"),
    ("--mount=type=cache,target=/x,sharing=exclusive", 'unsupported sharing value "exclusive"'),
    ("--mount=type=bind,target=/x,mode=0755", 'mode not allowed for "bind" type mounts'),
    ("--mount=type=tmpfs,target=/x,uid=1", 'uid not allowed for "tmpfs" type mounts'),
    ("--mount=type=secret", "invalid secret mount. one of source, target required"),
    ("--mount=type=secret,id=a,source=b", "both source and id can't be set"),
    ("--mount=type=secret,id=a,from=build", "secret mount should not have a from"),
    ("--mount=type=secret,id=a,sharing=locked", "secret mount should not define sharing"),
    ("--mount=type=bind,target=/x,sharing=locked", "invalid cache sharing set for bind mount"),
    ("--mount=from=$STAGE,target=/x", "'from' doesn't support variable expansion, define alias stage instead"),
    ("--mount=type=ssh,source=agent", "ssh does not support source"),
    ("--mount=type=cache,target=/", 'invalid mount target "/"'),
    ("--mount=", "failed to parse csv mounts: EOF"),
])
def test_mount_refused_where_buildkit_refuses_it(spec, message):
    text = f"FROM golang:1.25\nRUN {spec} go build ./...\n"
    e = error(text)
    assert e.message == f"--mount: {message}"
    line, col = at(text, spec)
    assert (e.line, e.column, e.end_line, e.end_column) == (line, col, line, col + len(spec))


def test_mount_value_quoted_as_one_csv_record():
    # the flag's own quotes are removed first; quotes that remain are CSV quotes
    m = mount("--mount='type=bind,\"source=a,b\",target=/x'")
    assert (m.type, m.source, m.target) == ("bind", "a,b", "/x")
    assert error("FROM a\nRUN --mount='type=bind,source=a\"b' x\n").message == \
        '--mount: failed to parse csv mounts: bare " in non-quoted-field'


def test_mount_flag_needs_a_value():
    e = error("FROM a\nRUN --mount go build\n")
    assert e.message == "missing a value on flag: --mount" and (e.line, e.column, e.end_column) == (2, 5, 12)


# -- 2. heredocs in every form BuildKit accepts ----------------------------------------------
@pytest.mark.parametrize("line,names,quoted", [
    ("RUN <<EOF", ["EOF"], [False]),
    ("RUN <<  EOF", ["EOF"], [False]),  # blanks between << and the word
    ("RUN cat << EOF", ["EOF"], [False]),
    ("RUN <<\tEOF  /foo", ["EOF"], [False]),
    ("RUN << -EOF", ["-EOF"], [False]),  # a word may begin with a dash
    ("RUN <<eo\\'f", ["eo'f"], [False]),  # an escaped quote is part of the name
    ("RUN <<'e'o\\'f", ["eo'f"], [True]),  # partly quoted: the body is not expanded
    ('RUN <<E"O"F', ["EOF"], [True]),
    ("RUN cat <<'one two'", ["one two"], [True]),  # a quoted word may hold blanks
    ("RUN 3<<EOF cat /dev/fd/3", ["EOF"], [False]),  # a file descriptor before <<
    ("RUN cat <<EOF>out", ["EOF>out"], [False]),  # BuildKit's word runs to the next blank
    ('RUN <<"EOF" <<-"A b" sh', ["EOF", "A b"], [True, True]),
    ("RUN <<$EOF", ["$EOF"], [False]),
    ("COPY <<A <<B /etc/", ["A", "B"], [False, False]),
    ("ONBUILD RUN <<EOF", ["EOF"], [False]),
    ("onbuild copy <<'CFG' /etc/app.conf", ["CFG"], [True]),
    ("ONBUILD RUN --mount=type=cache,target=/go/pkg/mod <<-EOF", ["EOF"], [False]),
])
def test_heredoc_words(line, names, quoted):
    body = "".join(f"echo {n}\n{n}\n" for n in names)
    text = f"FROM golang:1.25\n{line}\n{body}RUN true\n"
    df = parse(text)
    assert [i.keyword for i in df.instructions][2] == "RUN" and df.instructions[2].args == "true"
    ins = df.instructions[1]
    assert [h.delimiter for h in ins.heredocs] == names
    assert [h.quoted for h in ins.heredocs] == quoted
    assert [h.body for h in ins.heredocs] == [f"echo {n}\n" for n in names]
    assert ins.span.end_line == 2 + 2 * len(names)
    first = ins.heredocs[0].marker
    assert (first.line, first.column) == at(text, line[line.index("<<") - (1 if line[line.index("<<") - 1] == "3" else 0):])


def test_heredoc_under_onbuild_spans_and_bodies():
    text = "FROM golang:1.25\nONBUILD COPY <<A <<B /etc/\na\nA\nb\nB\nONBUILD RUN go build ./...\n"
    onbuild, plain = parse(text).instructions[1:]
    assert (onbuild.keyword, onbuild.args) == ("ONBUILD", "COPY <<A <<B /etc/")
    assert [(h.delimiter, h.body) for h in onbuild.heredocs] == [("A", "a\n"), ("B", "b\n")]
    assert (onbuild.span.line, onbuild.span.end_line) == (2, 6)
    assert (plain.keyword, plain.args, plain.heredocs) == ("ONBUILD", "RUN go build ./...", ())
    # the ONBUILD trigger in exec form takes no heredoc
    df = parse('FROM a\nONBUILD RUN ["cat", "<<EOF"]\nRUN x\n')
    assert df.instructions[1].heredocs == () and len(df.instructions) == 3


@pytest.mark.parametrize("line", [
    "RUN cat <<-",  # no word: not a heredoc
    "RUN cat <<",
    "RUN cat<<EOF",  # BuildKit's word is `cat<<EOF`: not a marker
    "RUN echo '<<EOF' \"<<EOF\"",
    'RUN ["sh", "-c", "cat <<EOF"]',
    "RUN cat <<''",  # an empty word
    "ENV A=<<EOF",
])
def test_not_a_heredoc(line):
    df = parse(f"FROM a\n{line}\nRUN true\n")
    assert [i.heredocs for i in df.instructions] == [(), (), ()]
    assert df.instructions[2].args == "true"


def test_dash_heredoc_with_a_blank_is_not_a_heredoc():
    # BuildKit's lexer splits `<<- EOF` into `<<-` and `EOF`: no heredoc, so the body lines
    # are instructions (and the build fails on them)
    text = "FROM a\nRUN <<- EOF\n\techo hi\n\tEOF\n"
    e = error(text)
    assert (e.message, e.line, e.column) == ("unknown instruction: echo", 3, 2)
    df = parse("FROM a\nRUN cat <<- EOF\n")
    assert (df.instructions[1].args, df.instructions[1].heredocs) == ("cat <<- EOF", ())


def test_unterminated_heredoc_names_the_word():
    text = "FROM a\nRUN cat << -EOF\necho\nEOF\n"
    e = error(text)
    assert e.message == "unterminated heredoc: no line '-EOF' ends it"
    assert (e.line, e.column, e.end_column) == (2, 9, 16)
    e = error("FROM a\nONBUILD RUN <<X\nx\n")
    assert (e.message, e.line, e.column) == ("unterminated heredoc: no line 'X' ends it", 2, 13)


@pytest.mark.parametrize("line,quote,message", [
    ("RUN cat <<'EOF", "'", "unexpected end of statement while looking for matching single-quote"),
    ('COPY <<"EOF /x', '"', "unexpected end of statement while looking for matching double-quote"),
    ("RUN echo it's <<EOF", "'", "unexpected end of statement while looking for matching single-quote"),
])
def test_unbalanced_quote_on_a_heredoc_line(line, quote, message):
    # BuildKit's lexer gives up on the line and reads no heredoc: the body would become
    # instructions. GDL001 points at the quote with the lexer's reason.
    text = f"FROM a\n{line}\nbody\nEOF\n"
    e = error(text)
    assert e.message == f"heredoc not read: {message}"
    assert (e.line, e.column) == at(text, quote, after="FROM a\n")


def test_heredoc_terminator_with_crlf_and_tabs():
    text = "FROM a\r\nRUN <<-EOF\r\n\tgo build ./...\r\n\t\tEOF\r\nRUN true\r\n"
    run = parse(text).instructions[1]
    assert [(h.delimiter, h.strip_tabs, h.body) for h in run.heredocs] == [("EOF", True, "go build ./...\n")]
    assert run.span.end_line == 4


# -- 3. continuation: an escaped escape ends the instruction -----------------------------------
def test_escaped_escape_at_line_end_ends_the_instruction():
    text = "FROM a\nENV C trailing\\\\backslash\\\\\nRUN x\n"
    assert instructions(text) == [("FROM", "a", 1), ("ENV", "C trailing\\\\backslash\\\\", 2), ("RUN", "x", 3)]
    # BuildKit looks at the last two characters only: three escapes end it too
    assert instructions("FROM a\nRUN echo \\\\\\\nRUN y\n")[1:] == [("RUN", "echo \\\\\\", 2), ("RUN", "y", 3)]
    # one escape, then blanks, continues
    assert instructions("FROM a\nRUN a \\ \t\n  b\n")[1:] == [("RUN", "a   b", 2)]
    # an escape alone on a line continues
    assert instructions("FROM a\nRUN a\\\n\\\n b\n")[1:] == [("RUN", "a b", 2)]


def test_escaped_backtick_escape_ends_the_instruction():
    text = "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN echo a ``\nRUN echo b `\n  c\n"
    assert instructions(text)[1:] == [("RUN", "echo a ``", 3), ("RUN", "echo b   c", 4)]


def test_continuation_skips_comment_and_blank_lines_and_may_run_into_the_end():
    text = "FROM a\nRUN go mod download \\\n  # cached below\n\n    && go build ./...\nCMD serve \\"
    df = parse(text)
    assert [(i.keyword, i.args) for i in df.instructions] == [
        ("FROM", "a"), ("RUN", "go mod download     && go build ./..."), ("CMD", "serve")]
    assert [(c.text, c.span.line, c.inside) for c in df.comments] == [("cached below", 3, 1)]


# -- 4. directives: shebang, syntax, check, escape ---------------------------------------------
def test_syntax_and_check_after_a_shebang():
    text = "#!/usr/bin/env -S docker build . -f\n# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended\nFROM a\n"
    df = parse(text)
    assert [(d.name, d.value, d.span.line) for d in df.directives] == [
        ("syntax", "docker/dockerfile:1.7", 2), ("check", "skip=JSONArgsRecommended", 3)]
    assert [(c.text, c.span.line) for c in df.comments] == [("!/usr/bin/env -S docker build . -f", 1)]


def test_escape_after_a_shebang_is_not_a_directive():
    text = "#!/bin/sh\n# escape=`\n# syntax=docker/dockerfile:1\nFROM a\nRUN a `\n  b\n"
    e = error(text)  # the backtick is no escape: `  b` is an instruction of its own
    assert (e.message, e.line, e.column) == ("unknown instruction: b", 6, 3)
    df = parse(text.replace("RUN a `\n  b\n", "RUN a \\\n  b\n"))
    assert df.escape == "\\" and [(d.name, d.span.line) for d in df.directives] == [("syntax", 3)]
    assert "escape=`" in [c.text for c in df.comments]


def test_only_one_shebang_is_skipped_and_directives_end_at_a_blank_line():
    df = parse("#!/bin/sh\n#!/bin/sh\n# syntax=x\nFROM a\n")
    assert df.directives == ()
    df = parse("# syntax=docker/dockerfile:1\n\n# check=error=true\nFROM a\n")
    assert [d.name for d in df.directives] == ["syntax"]


def test_repeated_directive_is_refused_with_buildkit_words():
    e = error("# check=skip=all\n# check=error=true\nFROM a\n")
    assert (e.message, e.line, e.column) == ("only one check parser directive can be used", 2, 1)


# -- 5. what BuildKit refuses --------------------------------------------------------------------
@pytest.mark.parametrize("line,message,needle", [
    ("ENV GOFLAGS", "ENV must have two arguments: GOFLAGS has no value", "GOFLAGS"),
    ("LABEL maintainer", "LABEL must have two arguments: maintainer has no value", "maintainer"),
    ("ENV CGO_ENABLED=0 GOOS", 'Syntax error - can\'t find = in "GOOS". Must be of the form: name=value', "GOOS"),
    ("ENV =1", "ENV names can not be blank", "=1"),
    ("ARG A=1 =2", "ARG names can not be blank", "=2"),
    ("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD", "CMD"),
    ("HEALTHCHECK --interval=30s CMD []", "Missing command after HEALTHCHECK CMD", "CMD []"),
    ("HEALTHCHECK NONE wget -q localhost", "HEALTHCHECK NONE takes no arguments", "NONE wget"),
    ("HEALTHCHECK wget -q localhost", 'Unknown type "WGET" in HEALTHCHECK (try CMD)', "wget"),
    ("HEALTHCHECK", "HEALTHCHECK requires at least one argument", "HEALTHCHECK"),
    ("HEALTHCHECK --interval=30 CMD true", 'time: missing unit in duration "30"', "--interval"),
    ("HEALTHCHECK --timeout=1d CMD true", 'time: unknown unit "d" in duration "1d"', "--timeout"),
    ("HEALTHCHECK --start-period=soon CMD true", 'time: invalid duration "soon"', "--start-period"),
    ("HEALTHCHECK --start-interval=10us CMD true", 'Interval "start-interval" cannot be less than 1ms',
     "--start-interval"),
    ("HEALTHCHECK --retries=-1 CMD true", "--retries cannot be negative (-1)", "--retries"),
    ("HEALTHCHECK --retries=three CMD true", 'strconv.ParseInt: parsing "three": invalid syntax', "--retries"),
    ('CMD ["/app", 8080]', "when using JSON array syntax, arrays must be comprised of strings only", "["),
    ('HEALTHCHECK CMD ["wget", 1]', "when using JSON array syntax, arrays must be comprised of strings only", "["),
    ("SHELL /bin/bash -c", "SHELL requires the arguments to be in JSON form", "/bin/bash"),
    ("COPY app", "COPY requires at least two arguments, but only one was provided. Destination could not be "
                 "determined", "COPY"),
    ("FROM golang AS 1build", 'invalid name for build stage: "1build", name can\'t start with a number or contain '
                              "symbols", "golang"),
    ("FROM golang ALSO b", "FROM requires either one or three arguments", "golang"),
    ("COPY --from=a --from=b x /", "duplicate flag specified: --from", "--from=b"),
    ("COPY --chmod 755 x /", "missing a value on flag: --chmod", "--chmod"),
    ("COPY --link=yes x /", "expecting boolean value for flag --link, not: yes", "--link"),
    ("ENV --x=1 A=b", "unknown flag: --x", "--x"),
    ("RUN --network=bridge make", 'invalid network mode "bridge"', "--network"),
    ("RUN --security=privileged make", 'security "privileged" is not valid', "--security"),
    ("ONBUILD ONBUILD RUN make", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", "ONBUILD RUN"),
    ("onbuild from golang", "FROM isn't allowed as an ONBUILD trigger", "from"),
])
def test_refused_with_buildkit_words(line, message, needle):
    text = f"FROM golang:1.25 AS base\n{line}\n"
    e = error(text)
    assert e.message == message
    assert (e.line, e.column) == at(text, needle, after="AS base\n")


def test_line_longer_than_buildkit_limit():
    ok = "FROM a\nENV A=" + "x" * (65535 - 6) + "\nRUN true\n"  # exactly 65535 bytes before the newline
    assert len(parse(ok).instructions) == 3
    text = "FROM a\nENV A=" + "x" * (65536 - 6) + "\nRUN true\n"
    e = error(text)
    assert e.message == "dockerfile line greater than max allowed size of 65535 (line 2 has 65536 bytes)"
    assert (e.line, e.column) == (2, 1)
    # bytes, not characters: 2-byte "é" counts twice; a CRLF line counts its \r
    e = error("FROM a\nRUN echo " + "é" * 32764 + "\n")
    assert e.line == 2
    e = error("FROM a\r\nENV A=" + "x" * (65535 - 6) + "\r\n")
    assert (e.line, e.message.endswith("65536 bytes)")) == (2, True)
    # in a heredoc body too
    e = error("FROM a\nRUN <<EOF\n" + "x" * 70000 + "\nEOF\n")
    assert e.line == 3


# -- 6. nothing refused that BuildKit accepts ----------------------------------------------------
def test_valid_shapes_buildkit_accepts():
    text = (
        "FROM golang:1.25 AS build\n"
        "RUN\n"  # runs `sh -c ""`
        "ARG --unused=x TARGETOS\n"  # ARG never looks at its flags
        "ENV GOPATH /go\n"
        'ENV A="b c" D=e\\ f\n'
        "LABEL org.opencontainers.image.title=app version=1\n"
        "HEALTHCHECK NONE\n"
        "HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=0 --retries=3 CMD wget -q localhost:8080 || exit 1\n"
        'VOLUME ["/data"]\n'
        "COPY --exclude=*.md --exclude=docs --parents ./cmd ./\n"
        "ADD --checksum=sha256:abababababababababababababababababababababababababababababababab --unpack=false https://example.com/a.tgz /a\n"
        "RUN --mount=type=cache,target=/go/pkg/mod --mount=type=bind,source=.,rw --network=none --device=x go build\n"
        "STOPSIGNAL --x SIGTERM\n"
    )
    df = parse(text)
    got = [(i.keyword, [f.name for f in i.flags], i.args) for i in df.instructions]
    assert got == [
        ("FROM", [], "golang:1.25 AS build"),
        ("RUN", [], ""),
        ("ARG", ["unused"], "TARGETOS"),
        ("ENV", [], "GOPATH /go"),
        ("ENV", [], 'A="b c" D=e\\ f'),
        ("LABEL", [], "org.opencontainers.image.title=app version=1"),
        ("HEALTHCHECK", [], "NONE"),
        ("HEALTHCHECK", ["interval", "timeout", "start-period", "retries"], "CMD wget -q localhost:8080 || exit 1"),
        ("VOLUME", [], '["/data"]'),
        ("COPY", ["exclude", "exclude", "parents"], "./cmd ./"),
        ("ADD", ["checksum", "unpack"], "https://example.com/a.tgz /a"),
        ("RUN", ["mount", "mount", "network", "device"], "go build"),
        ("STOPSIGNAL", ["x"], "SIGTERM"),
    ]


def test_parse_error_in_json_output(tmp_path):
    from click.testing import CliRunner

    from godockerlint.cli.command import cli

    (tmp_path / "Dockerfile").write_text("FROM golang:1.25\nENV GOFLAGS\nRUN go build ./...\n")
    result = CliRunner().invoke(cli, ["--format", "json", str(tmp_path / "Dockerfile")])
    assert result.exit_code == 1
    (finding,) = json.loads(result.output)
    assert (finding["code"], finding["line"], finding["column"], finding["end_column"], finding["message"]) == (
        "GDL001", 2, 5, 12, "ENV must have two arguments: GOFLAGS has no value")


def test_heredoc_as_copy_destination_is_refused():
    text = "FROM a\nCOPY <<EOF <<OUT\nx\nEOF\ny\nOUT\n"
    e = error(text)
    assert e.message == "COPY cannot accept a heredoc as a destination"
    assert (e.line, e.column, e.end_column) == (2, 12, 17)


# -- real-world shapes (written here, after the shapes of well-known Go projects' files) --------
TOOLKIT_STYLE = """\
# syntax=docker/dockerfile-upstream:master

ARG GO_VERSION=1.25
ARG ALPINE_VERSION=3.22
ARG XX_VERSION=1.6.1

FROM --platform=$BUILDPLATFORM tonistiigi/xx:${XX_VERSION} AS xx
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine${ALPINE_VERSION} AS golatest

FROM golatest AS gobase
COPY --link --from=xx / /
RUN apk add --no-cache file git bash
ENV GOFLAGS=-mod=vendor
ENV CGO_ENABLED=0
WORKDIR /src

FROM gobase AS version
RUN --mount=target=. <<'EOT'
  git rev-parse HEAD 2>/dev/null || {
    echo >&2 "no git checkout"
    exit 1
  }
  PKG=example.com/toolkit
  echo "-X ${PKG}/version.Version=$(git describe --tags --always)" | tee /tmp/.ldflags
EOT

FROM gobase AS toolkitd
ARG TARGETPLATFORM
RUN --mount=target=. --mount=target=/root/.cache,type=cache \\
  --mount=target=/go/pkg/mod,type=cache \\
  --mount=source=/tmp/.ldflags,target=/tmp/.ldflags,from=version <<EOT
  set -ex
  xx-go build -ldflags "$(cat /tmp/.ldflags) -extldflags '-static'" -o /usr/bin/toolkitd ./cmd/toolkitd
  xx-verify --static /usr/bin/toolkitd
EOT

FROM gobase AS gotestsum
RUN --mount=target=/root/.cache,type=cache\\
    --mount=target=/go/pkg/mod,type=cache <<EOT
  set -ex
  go install gotest.tools/gotestsum@v1.12.0
EOT
COPY --chmod=755 <<-EOT /build.sh
\t#!/bin/sh
\tset -e
\texec gotestsum "$@"
\tEOT

FROM scratch AS binaries
COPY --link --from=toolkitd /usr/bin/toolkitd /

FROM --platform=$BUILDPLATFORM alpine:${ALPINE_VERSION} AS releaser
WORKDIR /work
ARG TARGETPLATFORM
RUN --mount=from=binaries \\
  --mount=type=bind,from=version,source=/tmp/.ldflags,target=/tmp/.ldflags \\
  mkdir -p /out && tar czf "/out/toolkit.$(echo $TARGETPLATFORM | sed 's/\\//-/g').tar.gz" *

FROM scratch AS release
COPY --link --from=releaser /out/ /
"""

DAEMON_STYLE = """\
# syntax=docker/dockerfile:1

ARG GO_VERSION=1.24.6
ARG BASE_DEBIAN_DISTRO="bookworm"
ARG GOLANG_IMAGE="golang:${GO_VERSION}-${BASE_DEBIAN_DISTRO}"

FROM ${GOLANG_IMAGE} AS base
RUN echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
ARG APT_MIRROR
RUN sed -ri "s/(httpredir|deb).debian.org/${APT_MIRROR:-deb.debian.org}/g" /etc/apt/sources.list \\
 && sed -ri "s/(security).debian.org/${APT_MIRROR:-security.debian.org}/g" /etc/apt/sources.list
ENV GO111MODULE=off

FROM base AS registry
WORKDIR /go/src/github.com/distribution/distribution
ENV REGISTRY_COMMIT 47a064d4195a9b56133891bbb13620c3ac83a827
RUN --mount=type=cache,target=/root/.cache/go-build \\
    --mount=type=cache,target=/go/pkg/mod \\
    --mount=type=tmpfs,target=/go/src/ \\
        set -x \\
        && git clone https://github.com/distribution/distribution.git . \\
        && git checkout -q "$REGISTRY_COMMIT" \\
        && case $(dpkg --print-architecture) in \\
               amd64|arm64) \\
                   go build -buildmode=pie -o /build/registry-v2 ./cmd/registry; \\
                ;; \\
           esac

FROM base AS criu
ADD --chmod=0644 https://download.opensuse.org/repositories/devel:/tools:/criu/Debian_12/Release.key /etc/apt/trusted.gpg.d/criu.gpg.asc
RUN --mount=type=cache,sharing=locked,id=daemon-criu-aptlib,target=/var/lib/apt \\
    --mount=type=cache,sharing=locked,id=daemon-criu-aptcache,target=/var/cache/apt \\
        apt-get update && apt-get install -y --no-install-recommends criu

FROM --platform=amd64 djs55/vpnkit:0.5.0 AS vpnkit-amd64
FROM scratch AS vpnkit
COPY --from=vpnkit-amd64 /vpnkit /build/vpnkit.x86_64

FROM base AS dev
RUN groupadd -r docker
RUN useradd --create-home --gid docker unprivilegeduser \\
 && mkdir -p /home/unprivilegeduser/.local/share/docker
VOLUME /var/lib/docker
ENTRYPOINT ["hack/dind"]
"""

GOPATH_ERA = """\
FROM golang:1.8
MAINTAINER ops@example.com
ENV GOPATH /go
ENV PATH $GOPATH/bin:/usr/local/go/bin:$PATH
RUN go get github.com/tools/godep
ADD . /go/src/github.com/example/legacy
WORKDIR /go/src/github.com/example/legacy
RUN godep go build -o /go/bin/legacy .
ONBUILD COPY . /go/src/app
ONBUILD RUN go-wrapper download && go-wrapper install
HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost:8080/health || exit 1
EXPOSE 8080
CMD ["legacy"]
"""


@pytest.mark.parametrize("text,stages,heredocs", [
    (TOOLKIT_STYLE, 9, [("RUN", "EOT"), ("RUN", "EOT"), ("RUN", "EOT"), ("COPY", "EOT")]),
    (DAEMON_STYLE, 6, []),
    (GOPATH_ERA, 1, []),
])
def test_real_world_shapes_parse_without_gdl001(text, stages, heredocs):
    from godockerlint.lint.engine import lint_bytes
    from godockerlint.core.settings import Settings

    df = parse(text)
    assert len(df.stages) == stages
    assert [(i.keyword, h.delimiter) for i in df.instructions for h in i.heredocs] == heredocs
    result = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None)
    assert result.errors == []
    assert [f for f in result if f.code == "GDL001"] == []


def test_real_world_mounts_without_target():
    df = parse(TOOLKIT_STYLE)
    mounts = [(m.type, m.target, m.source, m.from_) for i in df.instructions for m in i.mounts]
    assert ("bind", ".", None, None) in mounts  # --mount=target=.
    assert ("bind", None, None, "binaries") in mounts  # --mount=from=binaries: at the WORKDIR
    assert ("cache", "/root/.cache", None, None) in mounts
    copy = next(i for i in df.instructions if i.keyword == "COPY" and i.heredocs)
    assert copy.heredocs[0].body == '#!/bin/sh\nset -e\nexec gotestsum "$@"\n'


def test_rules_name_a_bind_mount_without_target_by_the_working_directory(tmp_path):
    from godockerlint.lint.engine import lint_bytes
    from godockerlint.core.settings import Settings

    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.25\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    text = ("FROM golang:1.25 AS build\nWORKDIR /src\n"
            "RUN --mount=type=bind,source=. --mount=type=cache,target=/go/pkg/mod "
            "--mount=type=cache,target=/root/.cache/go-build go build -o /out/app .\n"
            "FROM scratch\nCOPY --from=build /out/app /app\n")
    result = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=str(tmp_path))
    messages = [f.message for f in result if f.code == "GDL209"]
    assert messages and messages[0].startswith("the bind mount on the working directory sends the whole context")
    assert all("None" not in f.message for f in result)

"""Parser tests: every construct of issue 2 item 2, with exact spans.

Expected positions are computed from the *input* (hand-counted, or with `str.index`
on the test's own text), never copied from the parser's output.
"""

from __future__ import annotations

import pytest

from godockerlint.parse.model import Span
from godockerlint.parse.parser import ParseError, decode, parse, parse_bytes


# -- helpers -------------------------------------------------------------------------
def pos(text: str, i: int) -> tuple[int, int]:
    """1-based (line, column) of offset `i` in `text`."""
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def where(text: str, needle: str, after: str = "") -> tuple[int, int, int, int, int, int]:
    """(start, end, line, column, end_line, end_column) of `needle` in `text`,
    searching after the first occurrence of `after`."""
    start = text.index(needle, text.index(after) + len(after) if after else 0)
    end = start + len(needle)
    return (start, end, *pos(text, start), *pos(text, end))


def span(s: Span) -> tuple[int, int, int, int, int, int]:
    return (s.start, s.end, s.line, s.column, s.end_line, s.end_column)


def src(df, s: Span) -> str:
    return df.text[s.start:s.end]


def error(text: str | bytes) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_bytes(text) if isinstance(text, bytes) else parse(text)
    return info.value


# -- basics ----------------------------------------------------------------------------
def test_simple_file_spans_stages_and_instructions():
    text = "FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\n"
    df = parse(text, "Dockerfile")
    assert df.path == "Dockerfile"
    assert [i.keyword for i in df.instructions] == ["FROM", "WORKDIR", "RUN", "FROM", "COPY"]
    assert [i.index for i in df.instructions] == [0, 1, 2, 3, 4]
    assert [i.stage for i in df.instructions] == [0, 0, 0, 1, 1]
    run = df.instructions[2]
    # line 3, "RUN go build -o /app ." is 22 characters: columns 1..23 (exclusive end)
    assert (run.span.line, run.span.column, run.span.end_line, run.span.end_column) == (3, 1, 3, 23)
    assert span(run.span) == where(text, "RUN go build -o /app .")
    assert run.args == "go build -o /app ."
    assert span(run.args_span) == where(text, "go build -o /app .")
    assert (run.args_span.line, run.args_span.column) == (3, 5)
    assert run.line == 3
    assert [(s.index, s.name, s.base, s.platform) for s in df.stages] == [
        (0, "build", "golang:1.22", None), (1, None, "scratch", None)]
    assert df.stages[0].from_instruction is df.instructions[0]
    assert [i.keyword for i in df.stages[0]] == ["WORKDIR", "RUN"]
    assert [i.keyword for i in df.stages[1].instructions] == ["COPY"]
    assert df.newline == "\n" and df.bom is False and df.escape == "\\"
    assert df.directives == () and df.comments == ()


def test_global_args_before_from():
    text = "ARG GO_VERSION=1.22\nARG BASE\nFROM golang:${GO_VERSION} AS Build\nARG GO_VERSION\nRUN go version\n"
    df = parse(text)
    glob = df.global_instructions
    assert [(i.keyword, i.args, i.stage) for i in glob] == [("ARG", "GO_VERSION=1.22", -1), ("ARG", "BASE", -1)]
    assert df.stages[0].base == "golang:${GO_VERSION}"
    assert df.stages[0].name == "build"
    assert [(i.keyword, i.args, i.stage) for i in df.stages[0]] == [("ARG", "GO_VERSION", 0), ("RUN", "go version", 0)]


def test_from_names_are_lower_cased_and_resolved_by_ref():
    text = (
        "FROM golang:1.22 AS Builder\n"
        "FROM builder as Test\n"
        "FROM --platform=$BUILDPLATFORM alpine:3 AS tools\n"
        "FROM scratch\n"
        "COPY --from=BUILDER /a /a\n"
        "COPY --from=2 /b /b\n"
    )
    df = parse(text)
    assert [(s.name, s.base, s.platform) for s in df.stages] == [
        ("builder", "golang:1.22", None),
        ("test", "builder", None),
        ("tools", "alpine:3", "$BUILDPLATFORM"),
        (None, "scratch", None),
    ]
    # the parent of stage 1 is stage 0, found by name (case-insensitively) before it
    assert df.stage_by_ref(df.stages[1].base, before=1) is df.stages[0]
    assert df.stage_by_ref("Builder") is df.stages[0]
    assert df.stage_by_ref("TEST") is df.stages[1]
    assert df.stage_by_ref("golang:1.22") is None
    # --from with a name and with a numeric index
    c1, c2 = df.stages[3].instructions
    assert c1.flag("from").value == "BUILDER" and df.stage_by_ref(c1.flag("from").value) is df.stages[0]
    assert c2.flag("from").value == "2" and df.stage_by_ref("2") is df.stages[2]
    assert df.stage_by_ref("0") is df.stages[0]
    assert df.stage_by_ref("4") is None
    # `before` limits the lookup to earlier stages
    assert df.stage_by_ref("tools", before=2) is None
    assert df.stage_by_ref("2", before=2) is None
    # the platform flag's span
    f = df.stages[2].from_instruction.flags[0]
    assert (f.name, f.value) == ("platform", "$BUILDPLATFORM")
    assert span(f.span) == where(text, "--platform=$BUILDPLATFORM")
    assert (f.span.line, f.span.column, f.span.end_column) == (3, 6, 31)


# -- directives ------------------------------------------------------------------------
def test_syntax_and_backslash_escape_directives():
    text = "# syntax=docker/dockerfile:1\n#escape=\\\n\nFROM alpine\nRUN echo a \\\n  b\n"
    df = parse(text)
    assert [(d.name, d.value) for d in df.directives] == [("syntax", "docker/dockerfile:1"), ("escape", "\\")]
    assert span(df.directives[0].span) == where(text, "# syntax=docker/dockerfile:1")
    assert (df.directives[1].span.line, df.directives[1].span.column, df.directives[1].span.end_column) == (2, 1, 10)
    assert df.directive("syntax").value == "docker/dockerfile:1"
    assert df.directive("check") is None
    assert df.escape == "\\"
    assert df.comments == ()  # directives are not comments
    run = df.instructions[1]
    assert run.args == "echo a   b"
    assert (run.span.line, run.span.end_line, run.span.end_column) == (5, 6, 4)


def test_backtick_escape_with_windows_paths():
    text = (
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "COPY testfile.txt C:\\\n"
        "RUN dir C:\\Windows `\n"
        "    /b\n"
        "WORKDIR C:\\src\\\n"
    )
    df = parse(text)
    assert df.escape == "`"
    assert [(d.name, d.value) for d in df.directives] == [("escape", "`")]
    assert span(df.directives[0].span) == where(text, "# escape=`")
    copy, run, workdir = df.stages[0].instructions
    # with a backtick escape, a trailing backslash is an ordinary character
    assert copy.args == "testfile.txt C:\\"
    assert span(copy.span) == where(text, "COPY testfile.txt C:\\")
    assert run.args == "dir C:\\Windows     /b"
    assert span(run.span) == where(text, "RUN dir C:\\Windows `\n    /b")
    assert (run.span.line, run.span.column, run.span.end_line, run.span.end_column) == (4, 1, 5, 7)
    # args offsets map back into the file across the continuation
    assert run.text_offset(run.args.index("/b")) == text.index("/b")
    assert run.text_offset(0) == text.index("dir C:")
    assert workdir.args == "C:\\src\\"


def test_directives_stop_after_a_comment_or_blank_line_or_instruction():
    after_comment = "# hello\n# escape=`\nFROM a\nRUN x \\\n  y\n"
    df = parse(after_comment)
    assert df.directives == () and df.escape == "\\"
    assert [c.text for c in df.comments] == ["hello", "escape=`"]
    assert df.instructions[1].args == "x   y"

    after_blank = "# syntax=docker/dockerfile:1\n\n# escape=`\nFROM a\nRUN x `\n"
    df = parse(after_blank)
    assert [d.name for d in df.directives] == ["syntax"]
    assert df.escape == "\\"
    assert df.instructions[1].args == "x `"
    assert [(c.text, c.span.line, c.inside) for c in df.comments] == [("escape=`", 3, None)]

    after_instruction = "FROM a\n# escape=`\nRUN x \\\n  y\n"
    df = parse(after_instruction)
    assert df.directives == () and df.escape == "\\"
    assert df.instructions[1].args == "x   y"


def test_repeated_directive_is_refused_unknown_one_is_a_comment():
    # BuildKit: "only one escape parser directive can be used", on the second one
    e = error("# escape=`\n  # escape=\\\nFROM a\n")
    assert e.message == "only one escape parser directive can be used"
    assert (e.line, e.column, e.end_line, e.end_column) == (2, 3, 2, 13)
    e = error("# syntax=a\n# check=skip=all\n# SYNTAX=b\nFROM a\n")
    assert e.message == "only one syntax parser directive can be used" and e.line == 3

    df = parse("# foo=bar\n# escape=`\nFROM a\n")
    assert df.directives == () and df.escape == "\\"
    assert [c.text for c in df.comments] == ["foo=bar", "escape=`"]


def test_directive_names_are_case_insensitive():
    df = parse("# Syntax = docker/dockerfile:1.7\n# ESCAPE=`\nFROM a\nRUN a `\n  b\n")
    assert [(d.name, d.value) for d in df.directives] == [("syntax", "docker/dockerfile:1.7"), ("escape", "`")]
    assert df.instructions[1].args == "a   b"


# -- line endings, BOM -----------------------------------------------------------------
def test_crlf_spans_args_and_heredocs():
    text = (
        "FROM alpine AS base\r\n"
        "# note\r\n"
        "RUN echo a \\\r\n"
        "  # inside\r\n"
        "  b\r\n"
        "RUN <<EOF\r\n"
        "echo hi\r\n"
        "EOF\r\n"
        "COPY --chown=1:1 a b\r\n"
    )
    df = parse(text)
    assert df.newline == "\r\n"
    assert df.text == text
    from_, run, here, copy = df.instructions
    assert span(from_.span) == where(text, "FROM alpine AS base")  # no \r in the span
    assert from_.args == "alpine AS base"
    assert run.args == "echo a   b"
    assert "\r" not in run.args
    assert span(run.span) == where(text, "RUN echo a \\\r\n  # inside\r\n  b")
    assert (run.span.line, run.span.column, run.span.end_line, run.span.end_column) == (3, 1, 5, 4)
    assert run.text_offset(run.args.index("b")) == text.index("  b\r\n") + 2
    assert [(c.text, c.span.line, c.span.column, c.span.end_column, c.inside) for c in df.comments] == [
        ("note", 2, 1, 7, None), ("inside", 4, 3, 11, 1)]
    assert span(df.comments[1].span) == where(text, "# inside")
    (doc,) = here.heredocs
    assert doc.body == "echo hi\n"
    assert span(doc.body_span) == where(text, "echo hi")
    assert span(doc.span) == where(text, "echo hi\r\nEOF")
    assert span(here.span) == where(text, "RUN <<EOF\r\necho hi\r\nEOF")
    assert copy.flags[0].value == "1:1"
    assert span(copy.flags[0].span) == where(text, "--chown=1:1")
    assert span(copy.span) == where(text, "COPY --chown=1:1 a b")


def test_crlf_dash_heredoc_strips_tabs():
    text = "FROM a\r\nRUN <<-EOF\r\n\techo x\r\n\t\tEOF\r\nRUN y\r\n"
    df = parse(text)
    doc = df.instructions[1].heredocs[0]
    assert (doc.delimiter, doc.strip_tabs, doc.body) == ("EOF", True, "echo x\n")
    assert span(doc.span) == where(text, "\techo x\r\n\t\tEOF")
    assert df.instructions[2].args == "y" and df.instructions[2].span.line == 5


def test_utf8_bom():
    data = b"\xef\xbb\xbfFROM alpine\nRUN echo \xc3\xa9t\xc3\xa9\n"
    df = parse_bytes(data, "Dockerfile.bom")
    assert df.bom is True
    assert df.text == "FROM alpine\nRUN echo \u00e9t\u00e9\n"  # offsets index the text without the BOM
    assert df.path == "Dockerfile.bom"
    from_, run = df.instructions
    assert (from_.span.start, from_.span.line, from_.span.column, from_.span.end_column) == (0, 1, 1, 12)
    assert run.args == "echo \u00e9t\u00e9"
    # columns count characters, not bytes: "RUN echo été" is 12 characters
    assert (run.span.line, run.span.column, run.span.end_column) == (2, 1, 13)
    assert decode(data) == (df.text, True)
    assert decode(b"FROM a\n") == ("FROM a\n", False)
    # a str that still carries a BOM
    df2 = parse("\ufeffFROM alpine\n")
    assert df2.bom is True and df2.text == "FROM alpine\n"
    assert span(df2.instructions[0].span) == (0, 11, 1, 1, 1, 12)


# -- continuations -------------------------------------------------------------------
def test_comment_lines_inside_continuations():
    text = (
        "FROM a\n"
        "# before\n"
        "RUN apk add \\\n"
        "# one\n"
        "    git \\\n"
        "    # two, indented\n"
        "    make\n"
        "# after\n"
    )
    df = parse(text)
    run = df.instructions[1]
    assert run.args == "apk add     git     make"
    assert span(run.span) == where(text, "RUN apk add \\\n# one\n    git \\\n    # two, indented\n    make")
    assert [(c.text, c.inside) for c in df.comments] == [
        ("before", None), ("one", 1), ("two, indented", 1), ("after", None)]
    two = df.comments[2]
    assert span(two.span) == where(text, "# two, indented")
    assert (two.span.line, two.span.column, two.span.end_column) == (6, 5, 20)
    # offsets of joined pieces land on the right lines
    assert run.text_offset(run.args.index("git")) == text.index("git")
    assert run.text_offset(run.args.index("make")) == text.index("make")


def test_blank_lines_inside_continuations():
    text = "FROM a\nRUN echo a \\\n\n   \n  b \\\n\n  c\nRUN d\n"
    df = parse(text)
    run, d = df.instructions[1:]
    assert run.args == "echo a   b   c"
    assert span(run.span) == where(text, "RUN echo a \\\n\n   \n  b \\\n\n  c")
    assert (run.span.end_line, run.span.end_column) == (7, 4)
    assert d.args == "d" and d.span.line == 8


def test_backslash_followed_by_trailing_blanks_continues():
    text = "FROM a\nRUN echo a \\   \n  b \\\t\n  c\n"
    df = parse(text)
    run = df.instructions[1]
    assert run.args == "echo a   b   c"
    assert (run.span.line, run.span.end_line, run.span.end_column) == (2, 4, 4)
    assert len(df.instructions) == 2


def test_dangling_continuation_at_end_of_file():
    text = "FROM a\nRUN echo a \\\n  b \\"
    df = parse(text)
    run = df.instructions[1]
    assert run.args == "echo a   b"
    assert span(run.span) == where(text, "RUN echo a \\\n  b \\")

    df = parse("FROM a\nRUN echo \\\n")
    assert df.instructions[1].args == "echo"
    assert (df.instructions[1].span.line, df.instructions[1].span.end_column) == (2, 11)


def test_dangling_continuation_with_comment_lines():
    text = "FROM a\nRUN echo \\\n# inside\n  hi \\\n# trailing\n"
    df = parse(text)
    run = df.instructions[1]
    assert run.args == "echo   hi"
    assert span(run.span) == where(text, "RUN echo \\\n# inside\n  hi \\")
    assert [(c.text, c.inside) for c in df.comments] == [("inside", 1), ("trailing", 1)]


def test_flags_on_continuation_lines():
    text = "FROM a\nRUN \\\n  --mount=type=cache,target=/root/.cache \\\n  --network=none \\\n  go build\n"
    df = parse(text)
    run = df.instructions[1]
    assert run.args == "go build"
    assert span(run.args_span) == where(text, "go build")
    m, n = run.flags
    assert span(m.span) == where(text, "--mount=type=cache,target=/root/.cache")
    assert (m.span.line, m.span.column, m.span.end_line, m.span.end_column) == (3, 3, 3, 41)
    assert span(n.span) == where(text, "--network=none")
    assert (n.name, n.value) == ("network", "none")


# -- keywords and forms ----------------------------------------------------------------
def test_lowercase_and_mixed_case_instructions():
    text = "from golang:1.22 as Build\nRuN go build\ncopy --from=build /a /b\nWorkDir /x\n"
    df = parse(text)
    assert [(i.keyword, i.raw_keyword) for i in df.instructions] == [
        ("FROM", "from"), ("RUN", "RuN"), ("COPY", "copy"), ("WORKDIR", "WorkDir")]
    assert df.stages[0].name == "build"
    copy = df.instructions[2]
    assert copy.flags[0].name == "from" and copy.flags[0].value == "build"
    for ins in df.instructions:
        assert df.text[ins.span.start:].startswith(ins.raw_keyword)
    # BuildKit: keywords in any case, flag names only in lower case
    e = error("FROM a AS build\ncopy --FROM=build /a /b\n")
    assert e.message == "unknown flag: --FROM" and (e.line, e.column, e.end_column) == (2, 6, 18)


def test_json_and_shell_forms():
    text = (
        "FROM a\n"
        'RUN ["go", "build", "-o", "/app"]\n'
        "RUN [ -f go.mod ] && echo yes\n"
        "RUN [ -f x ]\n"
        'CMD ["/app", "1"]\n'
        "ENTRYPOINT [\"/app\"]\n"
        "SHELL [\"/bin/bash\", \"-c\"]\n"
        "CMD /app --serve\n"
        'COPY ["a b", "/c d/"]\n'
        'ENV X=["no"]\n'
    )
    df = parse(text)
    ins = df.instructions
    assert ins[1].json_args == ("go", "build", "-o", "/app") and ins[1].is_json
    assert ins[2].json_args is None and ins[2].args == "[ -f go.mod ] && echo yes"
    assert ins[3].json_args is None and ins[3].args == "[ -f x ]" and not ins[3].is_json
    assert ins[4].json_args == ("/app", "1")
    assert ins[5].json_args == ("/app",)
    assert ins[6].json_args == ("/bin/bash", "-c")
    assert ins[7].json_args is None and ins[7].args == "/app --serve"
    assert ins[8].json_args == ("a b", "/c d/")
    assert ins[9].json_args is None
    assert span(ins[1].args_span) == where(text, '["go", "build", "-o", "/app"]')


def test_flag_spans_and_values():
    text = (
        "FROM a AS build\n"
        "FROM scratch\n"
        "COPY --from=build --chown=app:app --chmod=0755 --link /out /bin/app\n"
        "ADD --link=false --chmod=644 https://example.com/x /x\n"
        "RUN --network=none --security=insecure make\n"
    )
    df = parse(text)
    copy, add, run = df.stages[1].instructions
    assert [(f.name, f.value) for f in copy.flags] == [
        ("from", "build"), ("chown", "app:app"), ("chmod", "0755"), ("link", None)]
    assert copy.flag_values("chown") == ["app:app"]
    assert copy.flag("platform") is None
    for f, raw in zip(copy.flags, ["--from=build", "--chown=app:app", "--chmod=0755", "--link"]):
        assert span(f.span) == where(text, raw, after="COPY")
        assert f.mount is None
    link = copy.flags[3]
    assert (link.span.line, link.span.column, link.span.end_column) == (3, 48, 54)
    assert copy.args == "/out /bin/app"
    assert span(copy.args_span) == where(text, "/out /bin/app")
    assert [(f.name, f.value) for f in add.flags] == [("link", "false"), ("chmod", "644")]
    assert [(f.name, f.value) for f in run.flags] == [("network", "none"), ("security", "insecure")]
    assert span(run.flags[1].span) == where(text, "--security=insecure")
    assert run.args == "make"


def test_double_dash_ends_the_flags():
    text = "FROM a\nRUN --network=none -- --not-a-flag x\n"
    run = parse(text).instructions[1]
    assert [(f.name, f.value) for f in run.flags] == [("network", "none")]
    assert run.args == "--not-a-flag x"
    assert span(run.args_span) == where(text, "--not-a-flag x")
    # BuildKit: RUN with nothing after the flags is valid (it runs `sh -c ""`)
    run = parse("FROM a\nRUN --network=none --\n").instructions[1]
    assert [f.name for f in run.flags] == ["network"] and run.args == ""
    e = error("FROM a\nRUN --=x y\n")
    assert e.message == "unknown flag: --"
    assert (e.line, e.column, e.end_column) == (2, 5, 9)


# -- --mount -----------------------------------------------------------------------------
def mount_of(line: str):
    text = f"FROM a\nRUN {line} true\n"
    df = parse(text)
    run = df.instructions[1]
    return text, run


def test_cache_mount_all_fields():
    text, run = mount_of(
        "--mount=type=cache,target=/root/.cache/go-build,id=gocache,sharing=locked,uid=1000,gid=1000,mode=0755")
    (m,) = run.mounts
    assert (m.type, m.target, m.id, m.sharing, m.uid, m.gid, m.mode) == (
        "cache", "/root/.cache/go-build", "gocache", "locked", "1000", "1000", "0755")
    assert (m.source, m.from_, m.required, m.env, m.readonly) == (None, None, None, None, False)
    assert m.options == (("type", "cache"), ("target", "/root/.cache/go-build"), ("id", "gocache"),
                         ("sharing", "locked"), ("uid", "1000"), ("gid", "1000"), ("mode", "0755"))
    assert span(m.span) == where(text, "--mount=type=cache,target=/root/.cache/go-build,id=gocache,"
                                       "sharing=locked,uid=1000,gid=1000,mode=0755")
    assert run.flags[0].mount is m and run.flags[0].name == "mount"
    assert run.args == "true"


@pytest.mark.parametrize("alias", ["target", "dst", "destination", "TARGET", "Dst"])
def test_mount_target_aliases(alias):
    _, run = mount_of(f"--mount=type=cache,{alias}=/go/pkg/mod")
    assert run.mounts[0].target == "/go/pkg/mod"
    assert run.mounts[0].options[1] == ("target", "/go/pkg/mod")


@pytest.mark.parametrize("alias", ["source", "src"])
def test_mount_source_aliases(alias):
    _, run = mount_of(f"--mount=type=bind,{alias}=go.sum,target=/src/go.sum")
    m = run.mounts[0]
    assert (m.type, m.source, m.target) == ("bind", "go.sum", "/src/go.sum")


def test_mount_keys_in_any_order_and_default_type():
    _, run = mount_of("--mount=target=/go/pkg/mod,id=mod,type=cache --mount=target=/src,source=.")
    a, b = run.mounts
    assert (a.type, a.target, a.id) == ("cache", "/go/pkg/mod", "mod")
    assert a.options == (("target", "/go/pkg/mod"), ("id", "mod"), ("type", "cache"))
    assert (b.type, b.target, b.source) == ("bind", "/src", ".")  # no type: bind


def test_mount_readonly_forms():
    _, run = mount_of(
        "--mount=type=bind,target=/a "
        "--mount=type=bind,target=/b,rw "
        "--mount=type=bind,target=/c,readwrite=true "
        "--mount=type=cache,target=/d "
        "--mount=type=cache,target=/e,ro "
        "--mount=type=cache,target=/f,readonly=true "
        "--mount=type=bind,target=/g,readonly=false "
        "--mount=type=tmpfs,target=/h")
    assert [(m.target, m.readonly) for m in run.mounts] == [
        ("/a", True), ("/b", False), ("/c", False), ("/d", False), ("/e", True), ("/f", True),
        ("/g", False), ("/h", False)]
    assert run.mounts[4].options[-1] == ("readonly", "true")


def test_bind_mount_from_stage():
    text, run = mount_of("--mount=type=bind,from=build,source=/out,target=/in")
    m = run.mounts[0]
    assert (m.type, m.from_, m.source, m.target) == ("bind", "build", "/out", "/in")


def test_secret_ssh_tmpfs_mounts():
    text, run = mount_of(
        "--mount=type=secret,id=netrc,target=/root/.netrc,required=true,mode=0400 "
        "--mount=type=secret,id=token,env=GITHUB_TOKEN,required "
        "--mount=type=ssh "
        "--mount=type=ssh,id=default,required=false "
        "--mount=type=tmpfs,target=/tmp")
    s1, s2, ssh, ssh2, tmp = run.mounts
    assert (s1.type, s1.id, s1.target, s1.required, s1.mode, s1.env) == (
        "secret", "netrc", "/root/.netrc", "true", "0400", None)
    assert (s2.type, s2.id, s2.env, s2.required, s2.target) == ("secret", "token", "GITHUB_TOKEN", "true", None)
    assert (ssh.type, ssh.id, ssh.target, ssh.options) == ("ssh", None, None, (("type", "ssh"),))
    assert (ssh2.id, ssh2.required) == ("default", "false")
    assert (tmp.type, tmp.target) == ("tmpfs", "/tmp")
    for raw, m in zip(["--mount=type=secret,id=netrc", "--mount=type=secret,id=token", "--mount=type=ssh ",
                       "--mount=type=ssh,id=default", "--mount=type=tmpfs"], run.mounts):
        assert m.span.start == text.index(raw)


def test_mount_csv_quoting():
    text = ("FROM a\nRUN --mount='type=bind,\"source=a,b\",target=/x' "
            "--mount=type=cache,target=\"/with space\" "
            "--mount=\"type=cache,target=/q\" true\n")
    run = parse(text).instructions[1]
    a, b, c = run.mounts
    assert (a.source, a.target) == ("a,b", "/x")
    assert span(a.span) == where(text, "--mount='type=bind,\"source=a,b\",target=/x'")
    assert b.target == "/with space"
    assert span(b.span) == where(text, "--mount=type=cache,target=\"/with space\"")
    assert (c.type, c.target) == ("cache", "/q")
    assert run.flags[2].value == "type=cache,target=/q"
    assert run.args == "true"


def test_mount_on_non_run_is_an_unknown_flag():
    e = error("FROM a\nCOPY --mount=x a b\n")
    assert e.message == "unknown flag: --mount" and (e.line, e.column, e.end_column) == (2, 6, 15)


# -- heredocs --------------------------------------------------------------------------
def test_run_heredoc():
    text = "FROM a\nRUN <<EOF\nset -e\ngo build ./...\nEOF\nRUN echo after\n"
    df = parse(text)
    run, after = df.instructions[1:]
    (doc,) = run.heredocs
    assert (doc.delimiter, doc.strip_tabs, doc.quoted) == ("EOF", False, False)
    assert doc.body == "set -e\ngo build ./...\n"
    assert span(doc.marker) == where(text, "<<EOF")
    assert (doc.marker.line, doc.marker.column, doc.marker.end_column) == (2, 5, 10)
    assert span(doc.body_span) == where(text, "set -e\ngo build ./...")
    assert span(doc.span) == where(text, "set -e\ngo build ./...\nEOF")
    assert span(run.span) == where(text, "RUN <<EOF\nset -e\ngo build ./...\nEOF")
    assert (run.span.end_line, run.span.end_column) == (5, 4)
    assert run.args == "<<EOF"
    assert after.args == "echo after" and after.span.line == 6
    assert len(df.instructions) == 3


def test_dash_heredoc_strips_leading_tabs():
    text = "FROM a\nRUN <<-EOT\n\tif true; then\n\t\techo  yes\n\tfi\n\tEOT\n"
    run = parse(text).instructions[1]
    (doc,) = run.heredocs
    assert (doc.delimiter, doc.strip_tabs) == ("EOT", True)
    assert doc.body == "if true; then\necho  yes\nfi\n"
    assert span(doc.body_span) == where(text, "\tif true; then\n\t\techo  yes\n\tfi")
    assert span(doc.span) == where(text, "\tif true; then\n\t\techo  yes\n\tfi\n\tEOT")
    assert span(doc.marker) == where(text, "<<-EOT")


def test_tabbed_terminator_without_dash_does_not_end_the_heredoc():
    text = "FROM a\nRUN <<EOF\n\tEOF\nEOF\n"
    doc = parse(text).instructions[1].heredocs[0]
    assert doc.body == "\tEOF\n"


def test_terminator_must_match_the_whole_line():
    text = "FROM a\nRUN <<EOF\nEOF \n  EOF\nEOFX\nEOF\n"
    doc = parse(text).instructions[1].heredocs[0]
    assert doc.body == "EOF \n  EOF\nEOFX\n"
    assert doc.span.end_line == 6


def test_several_heredocs_on_one_run_line():
    text = "FROM a\nRUN <<A cat > /x <<B\nfirst\nA\nsecond\nB\nRUN next\n"
    df = parse(text)
    run = df.instructions[1]
    a, b = run.heredocs
    assert (a.delimiter, a.body, b.delimiter, b.body) == ("A", "first\n", "B", "second\n")
    assert span(a.marker) == where(text, "<<A")
    assert span(b.marker) == where(text, "<<B")
    assert span(a.span) == where(text, "first\nA")
    assert span(b.span) == where(text, "second\nB")
    assert span(run.span) == where(text, "RUN <<A cat > /x <<B\nfirst\nA\nsecond\nB")
    assert run.args == "<<A cat > /x <<B"
    assert df.instructions[2].args == "next" and df.instructions[2].span.line == 7


def test_copy_heredocs():
    text = "FROM a\nCOPY <<EOF /etc/app.conf\nkey=value\nEOF\nCOPY <<A /a <<B /b\naaa\nA\nbbb\nB\n"
    df = parse(text)
    one, two = df.instructions[1:]
    assert one.args == "<<EOF /etc/app.conf"
    assert [(h.delimiter, h.body) for h in one.heredocs] == [("EOF", "key=value\n")]
    assert span(one.span) == where(text, "COPY <<EOF /etc/app.conf\nkey=value\nEOF")
    assert [(h.delimiter, h.body) for h in two.heredocs] == [("A", "aaa\n"), ("B", "bbb\n")]
    assert span(two.heredocs[1].marker) == where(text, "<<B")
    assert span(two.span) == where(text, "COPY <<A /a <<B /b\naaa\nA\nbbb\nB")


@pytest.mark.parametrize("marker,quoted", [('<<"EOF"', True), ("<<'EOF'", True), ("<<EOF", False),
                                           ('<<-"EOF"', True)])
def test_quoted_delimiters(marker, quoted):
    text = f"FROM a\nRUN {marker}\necho $HOME\nEOF\n"
    doc = parse(text).instructions[1].heredocs[0]
    assert (doc.delimiter, doc.quoted, doc.body) == ("EOF", quoted, "echo $HOME\n")
    assert span(doc.marker) == where(text, marker)


def test_heredoc_body_with_instruction_like_lines_and_backslashes():
    text = (
        "FROM a AS one\n"
        "RUN <<EOF\n"
        "FROM x\n"
        "RUN y\n"
        "# not a comment\n"
        "echo continued \\\n"
        "EOF\n"
        "COPY <<EOF /f\n"
        "ENV z \\\n"
        "EOF\n"
        "RUN done\n"
    )
    df = parse(text)
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "COPY", "RUN"]
    assert len(df.stages) == 1 and df.stages[0].name == "one"
    run, copy, last = df.instructions[1:]
    assert run.heredocs[0].body == "FROM x\nRUN y\n# not a comment\necho continued \\\n"
    assert copy.heredocs[0].body == "ENV z \\\n"
    assert span(copy.span) == where(text, "COPY <<EOF /f\nENV z \\\nEOF")
    assert last.args == "done" and last.span.line == 11
    assert df.comments == ()


def test_heredoc_after_continuation_and_with_flags():
    text = "FROM a\nRUN --mount=type=cache,target=/c \\\n    <<EOF\ngo build\nEOF\n"
    run = parse(text).instructions[1]
    assert run.mounts[0].target == "/c"
    (doc,) = run.heredocs
    assert doc.body == "go build\n"
    assert span(doc.marker) == where(text, "<<EOF")
    assert (doc.marker.line, doc.marker.column) == (3, 5)
    assert span(run.span) == where(text, "RUN --mount=type=cache,target=/c \\\n    <<EOF\ngo build\nEOF")


def test_not_a_heredoc():
    text = "FROM a\nRUN echo '<<EOF' \"<<X\" a<<B\nRUN [\"sh\", \"-c\", \"cat <<EOF\"]\nENV A=<<EOF\n"
    df = parse(text)
    assert all(i.heredocs == () for i in df.instructions)
    assert len(df.instructions) == 4


def test_empty_heredoc_and_heredoc_at_end_without_newline():
    text = "FROM a\nRUN <<EOF\nEOF\nRUN <<X\n\nX"
    df = parse(text)
    a, b = df.instructions[1:]
    assert a.heredocs[0].body == ""
    assert span(a.span) == where(text, "RUN <<EOF\nEOF")
    assert b.heredocs[0].body == "\n"
    assert span(b.span) == where(text, "RUN <<X\n\nX")


# -- GDL001: malformed files ---------------------------------------------------------------
def test_error_unterminated_heredoc():
    text = "FROM a\nRUN echo x && cat <<EOF\nhello\n"
    e = error(text)
    assert "unterminated heredoc" in e.message
    # points at the marker: line 2, "RUN echo x && cat " is 18 characters
    assert (e.line, e.column, e.end_line, e.end_column) == (2, 19, 2, 24)
    e = error("FROM a\nCOPY <<A /a <<B /b\nx\nA\ny\n")
    assert (e.line, e.column) == (2, 13)


def test_error_unknown_instruction():
    e = error("FROM a\n  FOO bar\n")
    assert e.message == "unknown instruction: FOO"
    assert (e.line, e.column, e.end_line, e.end_column) == (2, 3, 2, 6)
    e = error("FROM a\nRUN a \\\n  b\nGOBUILD x \\\n  y\n")
    assert (e.line, e.column, e.end_column) == (4, 1, 8)


def test_error_instruction_without_arguments():
    # BuildKit's words: "exactly one" for USER/WORKDIR/STOPSIGNAL/MAINTAINER, "at least one" for
    # the others, COPY/ADD need a destination; RUN, CMD and ENTRYPOINT may be empty
    e = error("FROM a\nWORKDIR\n")
    assert e.message == "WORKDIR requires exactly one argument"
    assert (e.line, e.column, e.end_line, e.end_column) == (2, 1, 2, 8)
    e = error("FROM a\n   ENV   \n")
    assert e.message == "ENV requires at least one argument"
    assert (e.line, e.column, e.end_column) == (2, 4, 7)
    e = error("FROM a\ncopy --from=b \\\n  /out\n")
    assert e.message == ("COPY requires at least two arguments, but only one was provided. Destination could not "
                         "be determined")
    assert (e.line, e.column, e.end_column) == (2, 1, 5)
    e = error('FROM a\nADD ["/x"]\n')
    assert e.message.startswith("ADD requires at least two arguments")
    e = error("FROM\n")
    assert (e.line, e.column) == (1, 1) and e.message == "FROM requires either one or three arguments"
    df = parse("FROM a\nRUN\ncmd\nENTRYPOINT \\\n\n")
    assert [(i.keyword, i.args) for i in df.instructions[1:]] == [("RUN", ""), ("CMD", ""), ("ENTRYPOINT", "")]


@pytest.mark.parametrize("value", ["x", "\\\\", "'`'"])
def test_error_bad_escape_directive(value):
    e = error(f"# escape={value}\nFROM a\n")
    assert e.message == f"invalid escape token '{value}' does not match ` or \\"
    assert (e.line, e.column) == (1, 10)  # just after "# escape="


def test_escape_directive_without_value_is_a_comment():
    df = parse("# escape=\nFROM a\nRUN a \\\n  b\n")
    assert df.directives == () and df.escape == "\\"
    assert [c.text for c in df.comments] == ["escape="]
    assert df.instructions[1].args == "a   b"


def test_error_non_utf8():
    e = error(b"FROM a\nRUN echo caf\xe9\n")
    assert "UTF-8" in e.message
    assert (e.line, e.column) == (2, 13)
    # columns count characters: "é" before the bad byte is one column
    e = error(b"FROM a\nRUN \xc3\xa9 \xff\n")
    assert (e.line, e.column) == (2, 7)


def test_error_nul_byte():
    e = error(b"FROM a\nRUN a\x00b\n")
    assert "NUL" in e.message
    assert (e.line, e.column) == (2, 6)
    e = error(b"\xef\xbb\xbf\x00")
    assert (e.line, e.column) == (1, 1)


@pytest.mark.parametrize("mount,message", [
    ("--mount=type=volume,target=/x", '--mount: unsupported mount type "volume"'),
    ("--mount=type=cache,target", "--mount: invalid field 'target' must be a key=value pair"),
    ("--mount=type=cache,target=/x,sharing", "--mount: invalid field 'sharing' must be a key=value pair"),
    ("--mount", "missing a value on flag: --mount"),
    ("--mount=", "--mount: failed to parse csv mounts: EOF"),
])
def test_error_malformed_mount(mount, message):
    text = f"FROM a\nRUN {mount} true\n"
    e = error(text)
    assert e.message == message
    start, end, line, col, end_line, end_col = where(text, mount)
    assert (e.line, e.column, e.end_line, e.end_column) == (line, col, end_line, end_col) == (2, 5, 2, 5 + len(mount))


def test_error_instruction_before_first_from():
    e = error("ARG A\n# c\nENV B=1\nFROM a\n")
    assert "ENV before the first FROM" in e.message
    assert (e.line, e.column, e.end_column) == (3, 1, 4)


@pytest.mark.parametrize("text,line", [("", 1), ("\n\n", 1), ("# just a comment\n", 1),
                                       ("# syntax=docker/dockerfile:1\n", 1), ("ARG A=1\n", 1),
                                       ("ARG A\n\nARG B\n", 3)])
def test_error_no_from(text, line):
    e = error(text)
    assert (e.line, e.column) == (line, 1)
    assert "FROM" in e.message


def test_error_from_with_bad_words():
    e = error("FROM golang AS\n")
    assert (e.line, e.column, e.end_column) == (1, 6, 15)
    e = error("FROM golang ALSO b\n")
    assert (e.line, e.column) == (1, 6)


def test_parse_error_defaults():
    e = ParseError("boom")
    assert (e.message, e.line, e.column, e.end_line, e.end_column) == ("boom", 1, 1, 1, 2)
    assert str(e) == "boom"


# -- property: parse returns a model or raises ParseError, nothing else -------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

KEYWORDS = ["FROM", "from", "RUN", "run", "Run", "COPY", "ADD", "ARG", "ENV", "WORKDIR", "CMD", "ENTRYPOINT",
            "USER", "LABEL", "EXPOSE", "SHELL", "HEALTHCHECK", "ONBUILD", "VOLUME", "STOPSIGNAL", "FOO"]
FLAGS = ["--mount=type=cache,target=/go/pkg/mod", "--mount=type=bind,src=.,dst=/src,ro", "--mount=type=secret,id=x",
         "--mount=type=ssh", "--mount=type=tmpfs,target=/t", "--mount=type=nope", "--mount=type=cache",
         "--mount=\"type=cache,target=/a b\"", "--mount=type=cache,target", "--from=0", "--from=build", "--link",
         "--chown=1:1", "--chmod=755", "--platform=$BUILDPLATFORM", "--network=none", "--security=insecure",
         "--", "--mount", "--x='unterminated"]
printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
value = st.one_of(printable, st.sampled_from(["a", "\\", "`", "<<EOF", "<<-EOF", "<<'A'", '<<"B"', "[\"a\", \"b\"]",
                                             "[ -f x ]", "AS b", "x && y", "#", "'", '"', "EOF", "\t"]))


@st.composite
def dockerfiles(draw):
    lines = []
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["# syntax=docker/dockerfile:1", "# escape=`", "# escape=\\",
                                           "# escape=x", "# check=skip=all"])))
    if draw(st.integers(0, 5)):
        lines.append("FROM golang:1.22 AS build")
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("# " + draw(printable))
        elif kind == 1:
            lines.append(draw(st.sampled_from(["", "   ", "\t"])))
        elif kind == 2:  # a heredoc, terminated or not
            delim = draw(st.sampled_from(["EOF", "A"]))
            dash = draw(st.sampled_from(["", "-"]))
            lines.append(f"{draw(st.sampled_from(['RUN', 'COPY', 'run']))} <<{dash}{delim} {draw(printable)}")
            lines.extend(draw(st.lists(value, max_size=3)))
            if draw(st.integers(0, 4)):
                lines.append(("\t" if dash and draw(st.booleans()) else "") + delim)
        else:
            kw = draw(st.sampled_from(KEYWORDS))
            parts = [kw] + draw(st.lists(st.sampled_from(FLAGS), max_size=2)) + draw(st.lists(value, max_size=4))
            line = " ".join(parts)
            if draw(st.integers(0, 3)) == 0:  # a continuation, maybe with a comment or blank line
                line += draw(st.sampled_from([" \\", "\\", " \\  ", " `"]))
                lines.append(line)
                lines.append(draw(st.sampled_from(["# inside", "", "  more", "  --link", "  && b"])))
                if draw(st.booleans()):
                    lines.append("  end")
            else:
                lines.append(line)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


def check_model(df) -> None:
    text = df.text
    for ins in df.instructions:
        assert text[ins.span.start:ins.span.end].startswith(ins.raw_keyword)
        assert ins.raw_keyword.upper() == ins.keyword
        assert (ins.span.line, ins.span.column) == pos(text, ins.span.start)
        assert (ins.span.end_line, ins.span.end_column) == pos(text, ins.span.end)
        for f in ins.flags:
            assert text[f.span.start:f.span.end].startswith("--")
            assert ins.span.start < f.span.start < f.span.end <= ins.span.end
        for h in ins.heredocs:
            assert text[h.marker.start:h.marker.end].lstrip("0123456789").startswith("<<")
            assert ins.span.start <= h.span.start <= h.span.end <= ins.span.end
    for a, b in zip(df.instructions, df.instructions[1:]):
        assert a.span.end <= b.span.start
    for c in df.comments:
        assert text[c.span.start:c.span.end].startswith("#")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
def test_property_generated_dockerfiles_parse_or_raise_parse_error(text):
    try:
        df = parse(text)
    except ParseError as e:
        assert e.line >= 1 and e.column >= 1
        return
    check_model(df)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200).map(lambda b: b"FROM a\n" + b))
def test_property_random_bytes_parse_or_raise_parse_error(data):
    try:
        df = parse_bytes(data)
    except ParseError as e:
        assert e.line >= 1 and e.column >= 1
        return
    check_model(df)


# heredoc words as written after `<<` / `<<-`, and the name that ends them (BuildKit's lexer
# keeps blanks after `<<` but not after `<<-`)
HEREDOC_WORDS = {
    "": [("EOF", "EOF"), ("A", "A"), ("  EOF", "EOF"), (" -EOF", "-EOF"), ("eo\\'f", "eo'f"),
         ("'e'o\\'f", "eo'f"), ("'one two'", "one two"), ('E"O"F', "EOF"), ("'A'", "A")],
    "-": [("EOF", "EOF"), ("A", "A"), ("'EOF'", "EOF"), ("eo\\'f", "eo'f"), ('"one two"', "one two")],
}
MOUNTS_WITHOUT_TARGET = ["--mount=type=bind,source=.", "--mount=from=b", "--mount=ro", "--mount=type=cache",
                         "--mount=type=tmpfs,size=64m", "--mount=type=secret,id=x,env=TOK,required"]
word = st.text(st.sampled_from("abcxyz019_-./:=$"), min_size=1, max_size=6).filter(lambda w: not w.startswith("-"))
body_line = st.one_of(printable.filter(lambda x: x not in ("EOF", "A")),
                      st.sampled_from(["FROM x", "RUN y", "foo \\", "# c", "", "\tEOF", "EOF ", "COPY a b \\"]))


@st.composite
def valid_dockerfiles(draw):
    """A valid Dockerfile and what the parser must find in it: (keyword, first line, heredoc bodies)."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    esc = draw(st.sampled_from(["\\", "`"]))
    lines: list[str] = draw(st.sampled_from([[], ["# syntax=docker/dockerfile:1"]]))
    if esc == "\\" and draw(st.integers(0, 3)) == 0:  # a shebang: syntax and check still count, escape not
        lines = ["#!/usr/bin/env -S docker build -f"] + lines + draw(st.sampled_from([[], ["# check=skip=all"]]))
    if esc == "`" or draw(st.booleans()):
        lines.append(f"# escape={esc}")
    expected = []

    def add(kw, text_lines, bodies=()):
        expected.append((kw.upper(), len(lines) + 1, tuple(bodies)))
        lines.extend(text_lines)

    add("FROM", [f"{draw(st.sampled_from(['FROM', 'from']))} golang AS {draw(st.sampled_from(['b', 'B']))}"])
    for _ in range(draw(st.integers(0, 6))):
        choice = draw(st.integers(0, 4))
        if choice == 0:
            lines.append(draw(st.sampled_from(["", "# comment " + draw(printable), "  "])))
            continue
        kw = draw(st.sampled_from(["RUN", "run", "COPY", "ENV", "WORKDIR", "Cmd", "FROM", "ARG", "LABEL"]))
        flags = []
        if kw.upper() == "RUN":
            flags = draw(st.lists(st.sampled_from(FLAGS[:5] + FLAGS[7:8] + FLAGS[15:17] + MOUNTS_WITHOUT_TARGET),
                                  max_size=2, unique=True))
        elif kw.upper() == "COPY":  # BuildKit refuses a repeated --from, --link, ...
            flags = draw(st.lists(st.sampled_from(["--from=b", "--link", "--chown=1:1", "--chmod=755"]), max_size=2,
                                  unique=True))
        args = draw(st.lists(word, min_size=2 if kw.upper() == "COPY" else 1, max_size=3))
        if kw.upper() == "FROM":
            args = args[:1]
        elif kw.upper() in ("ENV", "LABEL"):  # BuildKit: `name value` or `name=value ...`
            args = ["k" + str(i) + "=" + a for i, a in enumerate(args)] if draw(st.booleans()) else ["k"] + args
        elif kw.upper() == "WORKDIR" or kw.upper() == "ARG":
            args = [a.lstrip("=") or "x" for a in args]
        if kw.upper() in ("RUN", "COPY") and draw(st.booleans()):
            dash = draw(st.sampled_from(["", "-"]))
            words = draw(st.lists(st.sampled_from(HEREDOC_WORDS[dash]), min_size=1, max_size=2,
                                  unique_by=lambda w: w[1]))
            delims = [name for _, name in words]
            markers = [f"<<{dash}{w}" for w, _ in words]
            head = " ".join([kw] + flags + ([markers[0], "/x"] if kw.upper() == "COPY" else markers))
            if kw.upper() == "COPY" and len(markers) > 1:
                head += f" {markers[1]} /y"
            text_lines = [head]
            bodies = []
            for d in delims:
                strip = (lambda x: x.lstrip("\t")) if dash else (lambda x: x)
                body = [b for b in draw(st.lists(body_line, max_size=3)) if strip(b) != d]
                text_lines += body + [draw(st.sampled_from(["", "\t"])) + d if dash else d]
                bodies.append("".join(strip(b) + "\n" for b in body))
            add(kw, text_lines, bodies)
            continue
        parts = [kw] + flags + args
        if kw.upper() in ("ENV", "LABEL") and draw(st.integers(0, 3)) == 0:  # an escaped escape ends the line
            add(kw, [" ".join(parts) + esc + esc])
            continue
        if draw(st.booleans()) and len(parts) > 1:  # split over continuation lines
            cut = draw(st.integers(1, len(parts) - 1))
            first = " ".join(parts[:cut]) + draw(st.sampled_from([" ", "", "\t"])) + esc + \
                draw(st.sampled_from(["", "  ", " \t"]))
            middle = draw(st.lists(st.sampled_from(["# inside", "", "  # indented"]), max_size=2))
            add(kw, [first] + middle + ["  " + " ".join(parts[cut:])])
        else:
            add(kw, [" ".join(parts)])
    text = nl.join(lines) + draw(st.sampled_from(["", nl]))
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text, expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_dockerfiles())
def test_property_valid_dockerfiles_are_parsed_exactly(case):
    text, expected = case
    df = parse(text)  # no GDL001 on valid input
    assert df.escape == ("`" if "# escape=`" in text else "\\")
    found = [(i.keyword, i.span.line, tuple(h.body for h in i.heredocs)) for i in df.instructions]
    assert found == expected
    check_model(df)


# -- through the engine: GDL001 only for malformed files -------------------------------------
KITCHEN_SINK = (
    "\ufeff# syntax=docker/dockerfile:1\r\n"
    "# escape=\\\r\n"
    "\r\n"
    "ARG GO_VERSION=1.22\r\n"
    "from --platform=$BUILDPLATFORM golang:${GO_VERSION} as Build\r\n"
    "WORKDIR /src\r\n"
    "COPY go.mod go.sum ./\r\n"
    "RUN --mount=dst=/go/pkg/mod,type=cache,id=mod,sharing=locked \\   \r\n"
    "    # download first\r\n"
    "\r\n"
    "    go mod download\r\n"
    "COPY . .\r\n"
    "RUN --mount=type=cache,target=/root/.cache/go-build --mount=type=secret,id=netrc,env=NETRC,required \\\r\n"
    "    --mount=type=ssh --mount=type=bind,from=build,src=/src,destination=/x,ro --mount=type=tmpfs,target=/tmp \\\r\n"
    "    <<-EOF sh -c 'cat > /dev/null' <<\"B\"\r\n"
    "\tFROM x\r\n"
    "\tRUN y \\\r\n"
    "\tEOF\r\n"
    "$HOME\r\n"
    "B\r\n"
    "RuN [ -f go.mod ] && CGO_ENABLED=0 go build -o /out/app .\r\n"
    "FROM gcr.io/distroless/static:nonroot\r\n"
    "COPY --from=Build --chown=nonroot:nonroot --chmod=0755 --link /out/app /app\r\n"
    "COPY <<A /etc/a <<B /etc/b\r\n"
    "a\r\n"
    "A\r\n"
    "b\r\n"
    "B\r\n"
    "USER nonroot\r\n"
    'ENTRYPOINT ["/app"]\r\n'
    "CMD serve --port=1 \\"
)


def test_kitchen_sink_parses_and_lints_without_gdl001():
    from godockerlint.lint.engine import lint_bytes
    from godockerlint.core.settings import Settings

    df = parse_bytes(KITCHEN_SINK.encode("utf-8"))
    assert df.bom and df.newline == "\r\n"
    assert [(s.name, s.base) for s in df.stages] == [("build", "golang:${GO_VERSION}"),
                                                       (None, "gcr.io/distroless/static:nonroot")]
    assert [i.keyword for i in df.instructions] == [
        "ARG", "FROM", "WORKDIR", "COPY", "RUN", "COPY", "RUN", "RUN", "FROM", "COPY", "COPY", "USER",
        "ENTRYPOINT", "CMD"]
    big = df.instructions[6]
    assert [m.type for m in big.mounts] == ["cache", "secret", "ssh", "bind", "tmpfs"]
    assert [(h.delimiter, h.strip_tabs, h.quoted, h.body) for h in big.heredocs] == [
        ("EOF", True, False, "FROM x\nRUN y \\\n"), ("B", False, True, "$HOME\n")]
    assert df.instructions[-1].args == "serve --port=1"
    result = lint_bytes(KITCHEN_SINK.encode("utf-8"), "Dockerfile", Settings(), context_dir=None)
    assert result.errors == []
    assert [f.code for f in result if f.code == "GDL001"] == []


def test_malformed_file_is_one_gdl001_finding_not_an_exception():
    from godockerlint.lint.engine import lint_bytes
    from godockerlint.core.settings import Settings

    text = "FROM golang\nRUN --mount=type=cache,id=x,size=1g go build\n"
    (finding,) = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None)
    assert finding.code == "GDL001"
    assert finding.message == "--mount: unexpected key 'size' for mount type 'cache'"
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (
        2, 5, 2, 5 + len("--mount=type=cache,id=x,size=1g"))

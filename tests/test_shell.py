"""Shell splitting of RUN commands: command lists, words with exact offsets, nested shells.

Expected offsets come from `str.index` on the script itself.
"""

from __future__ import annotations

import pytest

from godockerlint.parse.shell import expand, key_values, split_commands, split_words, tokenize


def names(script: str) -> list[str]:
    return [c.name for c in split_commands(script)]


def words(script: str, k: int = 0) -> list[str]:
    return [w.value for w in split_commands(script)[k].words]


def check_offsets(script: str) -> None:
    """Every word's (start, end) covers exactly its raw text in the script."""
    for c in split_commands(script):
        for w in c.words + c.assignments:
            if c.nested_in is None:
                assert script[w.start:w.end] == w.raw


# -- command lists -----------------------------------------------------------------------
def test_operators_split_commands_with_separators():
    script = "a 1 && b 2 || c; d | e & f\ng"
    cmds = split_commands(script)
    assert [(c.name, c.separator) for c in cmds] == [
        ("a", ""), ("b", "&&"), ("c", "||"), ("d", ";"), ("e", "|"), ("f", "&"), ("g", "\n")]
    a, b = cmds[0], cmds[1]
    assert [(w.value, w.start, w.end) for w in a.words] == [("a", 0, 1), ("1", 2, 3)]
    assert (b.start, b.end) == (script.index("b 2"), script.index("b 2") + 3)
    assert cmds[-1].start == script.index("g")
    check_offsets(script)


def test_words_offsets_quotes_and_escapes():
    script = "echo 'a b' \"c $HOME d\" e\\ f g\"h\"i"
    (cmd,) = split_commands(script)
    assert [(w.value, w.raw, w.quoted) for w in cmd.words] == [
        ("echo", "echo", False),
        ("a b", "'a b'", True),
        ("c $HOME d", '"c $HOME d"', True),
        ("e f", "e\\ f", False),
        ("ghi", 'g"h"i', True),
    ]
    for w in cmd.words:
        assert w.start == script.index(w.raw) and w.end == w.start + len(w.raw)


def test_line_continuations_inside_a_script():
    script = "cd /src && \\\n    go build \\\n      -o /app"
    cmds = split_commands(script)
    assert [c.name for c in cmds] == ["cd", "go"]
    assert words(script, 1) == ["go", "build", "-o", "/app"]
    go = cmds[1]
    assert go.words[3].start == script.index("/app")
    assert go.end == len(script)


def test_empty_and_trailing_separators():
    assert split_commands("") == []
    assert split_commands("   \n\n ") == []
    assert names("echo a;go build;") == ["echo", "go"]
    assert names(";;") == []


# -- nested shells -------------------------------------------------------------------------
@pytest.mark.parametrize("shell", ["sh -c", "bash -ec", "/bin/sh -c", "/bin/bash -euxc", "env sh -c",
                                   "env -i GOFLAGS=-mod=mod bash -c", "busybox sh -c",
                                   "bash -o pipefail -c", "bash -e -o pipefail -c"])
def test_sh_c_bodies_are_split(shell):
    script = f"{shell} 'go mod download && go build -o /app .'"
    cmds = split_commands(script)
    outer, a, b = cmds
    assert outer.nested_in is None
    assert (a.nested_in, b.nested_in) == (outer, outer)
    assert (a.name, b.name, b.separator) == ("go", "go", "&&")
    assert [w.value for w in b.words] == ["go", "build", "-o", "/app", "."]
    assert a.start == script.index("go mod download")
    body = script.index("'")
    assert [w.start for w in b.words] == [script.index(x, body) for x in ("go build", "build", "-o", "/app", ".'")]
    assert b.end == script.index(".'") + 1


def test_sh_c_double_quoted_body_with_escapes_has_exact_offsets():
    script = 'sh -c "echo \\"hi\\" && CGO_ENABLED=0 go build ./..."'
    outer, echo, go = split_commands(script)
    assert outer.words[2].value == 'echo "hi" && CGO_ENABLED=0 go build ./...'
    assert echo.words[1].value == "hi"
    assert go.env() == {"CGO_ENABLED": "0"}
    assert [w.value for w in go.words] == ["go", "build", "./..."]
    assert go.assignments[0].start == script.index("CGO_ENABLED")
    assert go.words[0].start == script.index("go build")
    assert go.words[2].start == script.index("./...")
    assert go.words[2].end == script.index("./...") + len("./...")


def test_sh_c_without_body_or_not_a_shell():
    assert names("sh -c") == ["sh"]
    assert names("sh script.sh") == ["sh"]
    assert names("python -c 'print(1)'") == ["python"]
    assert names("sh --login -c 'x'") == ["sh", "x"]
    cmds = split_commands("sh -c 'go version'", recurse=False)
    assert [c.name for c in cmds] == ["sh"]


def test_nested_sh_c_inside_sh_c():
    script = "sh -c \"bash -c 'go test ./...'\""
    cmds = split_commands(script)
    assert [c.name for c in cmds] == ["sh", "bash", "go"]
    assert cmds[2].nested_in is cmds[0] or cmds[2].nested_in.name in ("sh", "bash")
    assert cmds[2].words[0].start == script.index("go test")


# -- prefixes and builtins -----------------------------------------------------------------
def test_variable_prefixes():
    script = "CGO_ENABLED=0 GOOS=linux GOFLAGS=\"-trimpath -mod=readonly\" go build -o /app ."
    (cmd,) = split_commands(script)
    assert cmd.env() == {"CGO_ENABLED": "0", "GOOS": "linux", "GOFLAGS": "-trimpath -mod=readonly"}
    assert [a.raw for a in cmd.assignments] == ["CGO_ENABLED=0", "GOOS=linux", 'GOFLAGS="-trimpath -mod=readonly"']
    assert cmd.name == "go"
    assert cmd.start == 0 and cmd.words[0].start == script.index("go build")
    check_offsets(script)


def test_assignment_only_command_and_not_an_assignment():
    (cmd,) = split_commands("A=1 B=2")
    assert cmd.words == [] and cmd.name == "" and cmd.env() == {"A": "1", "B": "2"}
    (cmd,) = split_commands("go build -ldflags=-s X=1")
    assert cmd.assignments == [] and [w.value for w in cmd.words][-1] == "X=1"
    (cmd,) = split_commands("'A=1' go")
    assert cmd.assignments == [] and cmd.name == "A=1"


def test_export():
    script = "export GOPROXY=https://proxy.golang.org,direct GOFLAGS=-mod=mod && go mod download"
    exp, go = split_commands(script)
    assert exp.name == "export"
    assert [w.value for w in exp.words] == ["export", "GOPROXY=https://proxy.golang.org,direct", "GOFLAGS=-mod=mod"]
    assert exp.words[1].start == script.index("GOPROXY")
    assert (go.name, go.separator) == ("go", "&&")


# -- redirections, substitutions, comments -------------------------------------------------
def test_redirections_are_dropped_from_arguments():
    script = "go build ./... 2>&1 >build.log; go vet &> /dev/null; go test > out.txt -v 2>/dev/null <in >>app.log"
    a, b, c = split_commands(script)
    assert [w.value for w in a.words] == ["go", "build", "./..."]
    assert [w.value for w in b.words] == ["go", "vet"]
    assert [w.value for w in c.words] == ["go", "test", "-v"]
    assert c.words[2].start == script.index("-v")
    toks = tokenize("go build >out")
    assert [(k, getattr(t, "value", t)) for k, t in toks] == [("word", "go"), ("word", "build"), ("redir", "out")]


def test_a_digit_word_not_glued_to_a_redirection_is_an_argument():
    assert words("echo 2 > x") == ["echo", "2"]
    assert words("echo 2>x") == ["echo"]
    assert words("echo a>x b") == ["echo", "a", "b"]


def test_command_substitution_and_backticks_are_single_words():
    script = 'go build -ldflags "-X main.v=$(git describe --tags && echo x)" -o `go env GOPATH`/bin/app $(pwd)'
    (cmd,) = split_commands(script)
    assert [w.value for w in cmd.words] == [
        "go", "build", "-ldflags", "-X main.v=$(git describe --tags && echo x)", "-o", "`go env GOPATH`/bin/app",
        "$(pwd)"]
    assert cmd.words[3].start == script.index('"-X')
    assert cmd.words[5].raw == "`go env GOPATH`/bin/app"
    check_offsets(script)


def test_parameter_expansions_stay_in_one_word():
    (cmd,) = split_commands("echo ${A:-$(pwd) x} ${B} done")
    assert [w.value for w in cmd.words] == ["echo", "${A:-$(pwd) x}", "${B}", "done"]


def test_comments():
    script = "echo a # go build && rm -rf /\n# whole line go test\ngo vet # trailing\necho a#b"
    cmds = split_commands(script)
    assert [[w.value for w in c.words] for c in cmds] == [["echo", "a"], ["go", "vet"], ["echo", "a#b"]]
    assert cmds[1].start == script.index("go vet")


# -- compound commands ---------------------------------------------------------------------
def test_if_then_fi():
    script = "if [ -f go.mod ]; then go mod download; else echo none; fi && go build"
    cmds = split_commands(script)
    assert [[w.value for w in c.words] for c in cmds] == [
        ["[", "-f", "go.mod", "]"], ["go", "mod", "download"], ["echo", "none"], ["go", "build"]]
    assert cmds[1].words[0].start == script.index("go mod")
    assert cmds[-1].separator == "&&"


def test_for_do_done():
    script = "for pkg in ./cmd/a ./cmd/b; do\n  go build -o /out/ $pkg\ndone"
    cmds = split_commands(script)
    assert [[w.value for w in c.words] for c in cmds] == [["go", "build", "-o", "/out/", "$pkg"]]
    assert cmds[0].start == script.index("go build")


def test_while_subshell_group_negation():
    assert names("while read f; do go vet $f; done < list") == ["read", "go"]
    assert names("(cd /src && go build) | tee log") == ["cd", "go", "tee"]
    assert names("{ go build; go test; }") == ["go", "go"]
    assert names("! go vet ./...") == ["go"]
    assert names("time go build") == ["go"]


# -- heredocs inside scripts -----------------------------------------------------------------
def test_heredoc_bodies_are_skipped():
    script = "cat <<EOF > /etc/x\ngo build ./... && rm -rf /\nEOF\ngo test ./..."
    cmds = split_commands(script)
    assert [[w.value for w in c.words] for c in cmds] == [["cat"], ["go", "test", "./..."]]
    assert cmds[1].start == script.index("go test")


def test_dash_and_quoted_heredocs_and_two_on_a_line():
    script = "cat <<-'EOF' | sh\n\tgo build\n\tEOF\ncat <<A <<\"B\"\nx\nA\ny\nB\necho done"
    cmds = split_commands(script)
    assert [c.name for c in cmds] == ["cat", "sh", "cat", "echo"]
    assert cmds[-1].start == script.index("echo done")


def test_here_string_is_not_a_heredoc():
    script = "grep x <<< \"$v\"\ngo build"
    assert names(script) == ["grep", "go"]
    assert words(script, 0) == ["grep", "x"]


# -- robustness ------------------------------------------------------------------------------
@pytest.mark.parametrize("script", ["echo 'unterminated", 'echo "unterminated', "echo $(unterminated",
                                    "echo `x", "echo \\", "cat <<EOF\nno end", "((", "))", "<<", "&>", "2>&"])
def test_unterminated_constructs_do_not_raise(script):
    split_commands(script)


# -- Dockerfile argument helpers -------------------------------------------------------------
def test_split_words():
    s = 'a "b c" d\\ e \'f g\'h'
    ws = split_words(s)
    assert [(w.value, w.raw, w.start, w.end, w.quoted) for w in ws] == [
        ("a", "a", 0, 1, False),
        ("b c", '"b c"', 2, 7, True),
        ("d e", "d\\ e", 8, 12, False),
        ("f gh", "'f g'h", 13, 19, True),
    ]


def test_key_values():
    assert [(k, v) for k, v, _ in key_values('A=1 B="x y" C')] == [("A", "1"), ("B", "x y"), ("C", None)]
    kv = key_values("GOPATH /go with spaces")
    assert [(k, v) for k, v, _ in kv] == [("GOPATH", "/go with spaces")]
    assert [(k, v) for k, v, _ in key_values("TARGETOS TARGETARCH", legacy=False)] == [
        ("TARGETOS", None), ("TARGETARCH", None)]
    assert [(k, v) for k, v, _ in key_values("VERSION")] == [("VERSION", None)]
    (_, _, w), = key_values("X=1")
    assert (w.start, w.end) == (0, 3)
    assert key_values("") == []


def test_expand():
    env = {"A": "a", "E": ""}.get
    assert expand("$A/${A}/${B:-d}/${E:-e}/${E-f}/${A:+p}/${B+q}/${E+r}", env) == "a/a/d/e//p//r"
    assert expand("\\$A $NOPE ${B:-${A}x}", env) == "$A  ax"
    assert expand("no vars", env) == "no vars"
    assert expand("${A%%.*} $", env) == "${A%%.*} $"

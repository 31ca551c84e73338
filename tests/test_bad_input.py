"""Any input, no crash: each odd file or path gets one clear line naming it, the right exit
code, and the other files of the same run are still linted. Never a traceback.

Every case runs the real command in a child process next to a good Dockerfile
(`good.Dockerfile`, one GDL401 error with the rules selected here), so the test
sees what a user sees: stdout, stderr and the exit status.

Permission denied: the tests usually run as root, and root reads a file whatever its
mode. The case therefore runs twice: in-process with `os.open` made to raise
PermissionError for that one file (always), and as a child process under the
unprivileged user `nobody` through `setpriv` when the test runs as root and setpriv
exists (skipped otherwise).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli

SELECT = ["--select", "GDL001,GDL401", "--no-color"]
GOOD = "FROM golang:1.25\nRUN go build -o /app .\nCMD [\"/app\"]\n"
GOOD_LINE = "good.Dockerfile:1:1: GDL401 error: a single-stage build ships the Go toolchain image golang:1.25 to " \
            "production: build in one stage and copy the binary into gcr.io/distroless/static-debian12:nonroot"
MAX_RSS_KB = 400 * 1024  # peak memory of a run, generous: a 10 MB file once took 1.4 GB
# Runs the command as a child and reports the peak resident memory of it and its workers.
WRAPPER = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
           "sys.stderr.write('maxrss=%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
           "sys.exit(code)")


@pytest.fixture
def work(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # no config from above the test folder
    (tmp_path / "good.Dockerfile").write_text(GOOD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def godockerlint(*args, cwd=None, stdin=None, timeout=120):
    """Run the command (time-limited: a hang fails the test); assert no traceback and bounded memory."""
    proc = subprocess.run([sys.executable, "-c", WRAPPER, sys.executable, "-m", "godockerlint", *args],
                          capture_output=True, text=True, cwd=cwd, input=stdin, timeout=timeout)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    *lines, last = proc.stderr.splitlines(keepends=True)
    assert last.startswith("maxrss=")
    assert int(last[7:]) < MAX_RSS_KB, f"the run took {int(last[7:]) // 1024} MB"
    proc.stderr = "".join(lines)
    return proc


def lint_with_good(name: str, *extra: str):
    """Lint `name` then good.Dockerfile in one run: (exit code, stdout lines, stderr lines)."""
    proc = godockerlint(*SELECT, *extra, name, "good.Dockerfile")
    assert GOOD_LINE in proc.stdout.splitlines(), "the other file of the run was not linted"
    return proc.returncode, proc.stdout.splitlines(), proc.stderr.splitlines()


# -- content that is not a Dockerfile: one GDL001 finding, exit 1 ---------------------------------

PARSE_ERRORS = {
    "empty": (b"", "1:1: GDL001 error: the file has no instructions (no FROM)"),
    "blank": (b"\n \n\t\n", "1:1: GDL001 error: the file has no instructions (no FROM)"),
    "comments-only": (b"# just a comment\n", "1:1: GDL001 error: the file has no instructions (no FROM)"),
    "binary": (b"FROM x\n\x7fELF\x02\x01\x01\x00\x00\xff\xfe", "2:8: GDL001 error: not a text file (NUL byte)"),
    "latin-1": ("FROM alpine\nRUN echo café\n".encode("latin-1"), "2:13: GDL001 error: not valid UTF-8 (byte 0xe9)"),
    "utf-16": ("FROM alpine\n".encode("utf-16"), "1:4: GDL001 error: not a text file (NUL byte)"),
    "unterminated-heredoc": (b"FROM alpine\nRUN <<EOF\necho hi\n",
                             "2:5: GDL001 error: unterminated heredoc: no line 'EOF' ends it"),
    "unknown-instruction": (b"FROM alpine\nFOO bar\n", "2:1: GDL001 error: unknown instruction: FOO"),
    "no-arguments": (b"FROM alpine\nWORKDIR\n", "2:1: GDL001 error: WORKDIR requires exactly one argument"),
    "no-arguments-continued": (b"FROM alpine\nCOPY \\\n\n", "2:1: GDL001 error: COPY requires at least two arguments, "
                               "but only one was provided. Destination could not be determined"),
    "escape-x": (b"# escape=x\nFROM alpine\n", "1:10: GDL001 error: invalid escape token 'x' does not match ` or \\"),
    "escape-two-chars": (b"# escape=\\\\\nFROM alpine\n",
                         "1:10: GDL001 error: invalid escape token '\\\\' does not match ` or \\"),
    "no-from": (b"RUN echo hi\n", "1:1: GDL001 error: RUN before the first FROM: only ARG may come first"),
}


@pytest.mark.parametrize("case", sorted(PARSE_ERRORS))
def test_content_that_does_not_parse_is_one_gdl001(work, case):
    data, expected = PARSE_ERRORS[case]
    (work / f"{case}.Dockerfile").write_bytes(data)
    code, out, err = lint_with_good(f"{case}.Dockerfile")
    assert code == 1
    assert [line for line in out if line.startswith(case + ".")] == [f"{case}.Dockerfile:{expected}"]
    assert err == []


@pytest.mark.parametrize("case", ["latin-1", "binary", "unterminated-heredoc"])
def test_fix_refuses_to_write_a_file_that_does_not_parse(work, case):
    data, expected = PARSE_ERRORS[case]
    df = work / f"{case}.Dockerfile"
    df.write_bytes(data)
    proc = godockerlint("--fix", "--unsafe-fixes", "--no-color", str(df.name))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == f"{case}.Dockerfile:{expected}"
    assert df.read_bytes() == data
    assert {p.name for p in work.iterdir()} == {".git", "good.Dockerfile", f"{case}.Dockerfile"}


# -- odd but valid content: linted like the plain file ---------------------------------------------

def test_utf8_bom_lints_like_the_file_without_it(work):
    (work / "bom.Dockerfile").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    code, out, err = lint_with_good("bom.Dockerfile")
    assert (code, err) == (1, [])
    assert out[0] == GOOD_LINE.replace("good.Dockerfile", "bom.Dockerfile")


@pytest.mark.parametrize("tail", ["RUN echo hi \\", "RUN echo hi \\\n", "RUN echo hi \\\n# a comment\n\n"])
def test_dangling_continuation_at_end_of_file_is_accepted(work, tail):
    (work / "dangling.Dockerfile").write_text("FROM golang:1.25\nCMD [\"/app\"]\n" + tail)
    code, out, err = lint_with_good("dangling.Dockerfile")
    assert (code, err) == (1, [])
    assert out[0].startswith(GOOD_LINE.replace("good.Dockerfile", "dangling.Dockerfile"))  # + why no fix


def test_deeply_nested_variable_defaults(work):
    value = "x"
    for i in range(3000):
        value = f"${{a{i}:-{value}}}"
    (work / "nested.Dockerfile").write_text(
        f"FROM golang:1.25 AS build\nARG V={value}\nENV W={value} GOFLAGS={value}\n"
        f"RUN echo {value} && go build -o /out/{value} .\nFROM ${{V}}\nCOPY --from=build /out /app\n")
    code, out, err = lint_with_good("nested.Dockerfile")
    assert code == 1 and err == []
    assert not [line for line in out if line.startswith("nested.Dockerfile") and "GDL001" in line]
    proc = godockerlint("--diff", "--unsafe-fixes", "nested.Dockerfile")
    assert proc.returncode == 1 and "error:" not in proc.stderr  # a diff is printed


def test_ten_thousand_stages(work):
    (work / "stages.Dockerfile").write_text(
        "".join(f"FROM golang:1.25 AS s{i}\nRUN go build -o /out/s{i} ./cmd/s{i}\n" for i in range(10_000))
        + 'CMD ["/out/s9999"]\n')
    code, out, err = lint_with_good("stages.Dockerfile")
    assert code == 1 and err == []
    gdl401 = [line for line in out if line.startswith("stages.Dockerfile:")]
    assert gdl401 == ["stages.Dockerfile:19999:1: GDL401 error: the final stage 's9999' ships the Go toolchain image "
                      "golang:1.25 to production: build in one stage and copy the binary into "
                      "gcr.io/distroless/static-debian12:nonroot"]  # the final stage only


def test_long_run_script_is_linear(work):
    """A 600 KB RUN script (30,000 commands) in bounded memory; it once took minutes (quadratic)."""
    (work / "long.Dockerfile").write_text(
        "FROM golang:1.25\nRUN " + " \\\n && ".join(f"export GOFLAGS=-v{i} && cd /src/d{i} && go build ./cmd/x"
                                                    for i in range(10_000)) + "\nCMD [\"x\"]\n")
    code, out, err = lint_with_good("long.Dockerfile")
    assert code == 1 and err == []
    assert any(line.startswith("long.Dockerfile:1:1: GDL401 error:") for line in out)


# -- files that cannot be read: exit 2, one line on stderr, the others still linted ---------------

def test_ten_megabyte_file_is_refused_in_bounded_memory(work):
    line = "RUN echo line && go build ./...\n"
    (work / "huge.Dockerfile").write_text("FROM golang:1.25\n" + line * (10 * 1024 * 1024 // len(line)))
    size = (work / "huge.Dockerfile").stat().st_size
    code, out, err = lint_with_good("huge.Dockerfile")
    assert code == 2
    assert err == [f"godockerlint: error: huge.Dockerfile: file too large ({size} bytes; the limit is 1 MiB)"]
    assert out[-1] == "Found 1 problem (1 error); 1 file could not be linted."


def test_ten_megabytes_on_stdin_are_refused(work):
    proc = godockerlint(*SELECT, "-", stdin="FROM golang:1.25\n" + "# padding\n" * (1024 * 1024))
    assert proc.returncode == 2
    assert proc.stderr == "godockerlint: error: -: file too large (more than 1048576 bytes; the limit is 1 MiB)\n"


def test_missing_path(work):
    code, out, err = lint_with_good("missing.Dockerfile")
    assert code == 2
    assert err == ["godockerlint: error: missing.Dockerfile: no such file or directory"]
    assert out[-1] == "Found 1 problem (1 error); 1 file could not be linted."


def test_folder_without_dockerfiles_is_a_note_and_exit_0(work):
    (work / "empty").mkdir()
    (work / "empty" / "README.md").write_text("no Dockerfile here\n")
    proc = godockerlint(*SELECT, "empty")
    assert proc.returncode == 0
    assert proc.stderr == "godockerlint: warning: no Dockerfiles found in empty\n"
    assert proc.stdout == "All checks passed.\n"


def test_symlink_to_a_dockerfile_is_linted_under_its_own_name(work):
    (work / "link.Dockerfile").symlink_to("good.Dockerfile")
    proc = godockerlint(*SELECT, "link.Dockerfile")
    assert proc.returncode == 1 and proc.stderr == ""
    assert proc.stdout.splitlines()[0] == GOOD_LINE.replace("good.Dockerfile", "link.Dockerfile")


def test_broken_symlink(work):
    (work / "broken.Dockerfile").symlink_to("nowhere")
    code, out, err = lint_with_good("broken.Dockerfile")
    assert code == 2
    assert err == ["godockerlint: error: broken.Dockerfile: broken symbolic link (to nowhere)"]


def test_broken_symlink_found_in_a_folder(work):
    (work / "d").mkdir()
    (work / "d" / "Dockerfile").symlink_to("nowhere")
    shutil.copy(work / "good.Dockerfile", work / "d" / "good.Dockerfile")
    proc = godockerlint(*SELECT, "d")
    assert proc.returncode == 2
    assert proc.stderr == "godockerlint: error: d/Dockerfile: broken symbolic link (to nowhere)\n"
    assert proc.stdout.splitlines()[0] == GOOD_LINE.replace("good.Dockerfile", "d/good.Dockerfile")


@pytest.mark.parametrize("fix", [[], ["--fix"]])
def test_fifo_does_not_hang(work, fix):
    os.mkfifo(work / "fifo.Dockerfile")  # nobody ever writes to it: reading it would block forever
    code, out, err = lint_with_good("fifo.Dockerfile", *fix)  # the child times out if it blocks
    assert code == 2
    assert err == ["godockerlint: error: fifo.Dockerfile: not a regular file"]


def test_fifo_found_in_a_folder_does_not_hang(work):
    (work / "d").mkdir()
    os.mkfifo(work / "d" / "Dockerfile")
    proc = godockerlint(*SELECT, "d", "good.Dockerfile", timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "godockerlint: error: d/Dockerfile: not a regular file\n"
    assert GOOD_LINE in proc.stdout.splitlines()


def test_a_device_is_not_read(work):
    code, out, err = lint_with_good("/dev/null")
    assert code == 2
    assert err == ["godockerlint: error: /dev/null: not a regular file"]


def test_permission_denied_in_process(work, monkeypatch):
    (work / "secret.Dockerfile").write_text(GOOD)
    real_open = os.open

    def deny(path, *a, **k):
        if os.path.basename(os.fspath(path)) == "secret.Dockerfile":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", deny)
    for extra in ([], ["--fix"]):
        result = CliRunner().invoke(cli, [*SELECT, *extra, "secret.Dockerfile", "good.Dockerfile"])
        assert result.exit_code == 2, result.output
        assert result.stderr == "godockerlint: error: secret.Dockerfile: permission denied\n"
        assert GOOD_LINE in result.stdout.splitlines()
        assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv")
def test_permission_denied_as_an_unprivileged_user(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    (work / ".git").mkdir()
    (work / "good.Dockerfile").write_text(GOOD)
    (work / "secret.Dockerfile").write_text(GOOD)
    os.chmod(work / "secret.Dockerfile", 0o600)  # root's; nobody may not read it
    for p in (tmp_path, work, work / ".git"):
        os.chmod(p, 0o755)
    os.chmod(work / "good.Dockerfile", 0o644)
    import godockerlint

    pkg_root = str(Path(godockerlint.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([pkg_root, *sys.path[1:]]), "HOME": str(work)}
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable]
    # Can nobody run this interpreter, import the dependencies and read the package? If not, the
    # machine cannot run this test; if so, any failure below (an ImportError too) is godockerlint's.
    probe = subprocess.run([*nobody, "-c", "import sys, click, jinja2, ruamel.yaml; "
                            "open(sys.argv[1]).close()", godockerlint.__file__],
                           capture_output=True, text=True, cwd=work, env=env, timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"the interpreter is not usable by nobody: {probe.stderr.strip()[-200:]}")
    proc = subprocess.run([*nobody, "-m", "godockerlint", *SELECT, "secret.Dockerfile", "good.Dockerfile"],
                          capture_output=True, text=True, cwd=work, env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "godockerlint: error: secret.Dockerfile: permission denied\n"
    assert GOOD_LINE in proc.stdout.splitlines()


# -- configuration and compose files that cannot be read -----------------------------------------

@pytest.mark.parametrize("text, message", [
    ("select: [GDL1\n  bad: : x\n", ".godockerlint.yaml:2: invalid YAML: "),
    ("select: [GDL1]\nfoo: 1\n", ".godockerlint.yaml:2: unknown key 'foo' (expected one of: "),
    ("\x00\x01binary", ".godockerlint.yaml"),
    ("- a\n- b\n", ".godockerlint.yaml:1: "),
])
def test_bad_config_is_one_line_with_file_and_line(work, text, message):
    (work / "cfg").mkdir()
    (work / "cfg" / ".godockerlint.yaml").write_text(text)
    (work / "cfg" / "Dockerfile").write_text(GOOD)
    proc = godockerlint(*SELECT, "cfg/Dockerfile", "good.Dockerfile")
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert line.startswith("godockerlint: error: cfg/" + message), line
    assert GOOD_LINE in proc.stdout.splitlines()


def test_compose_file_that_is_not_yaml(work):
    (work / "compose.yaml").write_text("services: [\n  :: {\n")
    (work / "docker-compose.yml").write_bytes(b"\xff\xfe\x00binary\x00")
    proc = godockerlint(*SELECT, "compose.yaml", "docker-compose.yml", "good.Dockerfile")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "godockerlint: error: compose.yaml:3: invalid YAML: expected the node content, but found '<stream end>'",
        "godockerlint: error: docker-compose.yml: not UTF-8 text",
    ]
    assert GOOD_LINE in proc.stdout.splitlines()


# -- a GDL001 message quotes no more than the offending token ----------------------------------

@pytest.mark.parametrize("first_line, shown", [
    ("root:$6$Qw3rtyS4lt$hAsHvAlUeThAtMuStNeVeRbEsHoWn:19000:0:99999:7:::", "unknown instruction: root…"),
    ("FROMX golang:1.25", "unknown instruction: FROMX"),
    ("$6$Qw3rtyS4lt$hAsH golang", "unknown instruction (not a keyword)"),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOP x", "unknown instruction: ABCDEFGHIJKLMNOPQRST…"),
])
def test_a_parse_error_quotes_only_the_keyword(tmp_path, first_line, shown):
    from godockerlint.lint.engine import lint_bytes
    from godockerlint.core.settings import Settings

    found = lint_bytes(f"{first_line}\nFROM golang:1.25\n".encode(), "Dockerfile", Settings(), context_dir=None)
    assert [(f.code, f.line, f.message) for f in found] == [("GDL001", 1, shown)]


def test_a_long_quoted_value_in_a_parse_error_is_cut():
    from godockerlint.lint.engine import lint_bytes
    from godockerlint.core.settings import Settings

    value = "type=weird," + "x" * 300
    found = lint_bytes(f"FROM golang:1.25\nRUN --mount={value} true\n".encode(), "Dockerfile", Settings(),
                       context_dir=None)
    assert [f.code for f in found] == ["GDL001"]
    assert "x" * 41 not in found[0].message and len(found[0].message) < 120


# -- a --target the file does not have --------------------------------------------------------------

def test_a_target_stage_the_file_lacks_is_an_error_for_that_file(work):
    """`docker build --target x` fails on a file without a stage x ("target stage could not be found"):
    linting another stage as the final one would report the wrong image, so that file gets one error
    line and exit 2; a file with the stage (named in any case: BuildKit matches it case-blind) is linted."""
    (work / "staged.Dockerfile").write_text("FROM golang:1.25 AS Build\nRUN go build -o /app .\n"
                                            "FROM scratch\nCOPY --from=build /app /app\n")
    proc = godockerlint(*SELECT, "--target", "BUILD", "staged.Dockerfile", "good.Dockerfile")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "godockerlint: error: good.Dockerfile: target stage 'BUILD' could not be found: no stage of this file "
        "is named so (`docker build --target` fails the same way)"]
    assert proc.stdout.splitlines()[0].startswith(
        "staged.Dockerfile:1:1: GDL401 info: the final stage 'build' ships the Go toolchain image golang:1.25")
    before = (work / "good.Dockerfile").read_bytes()
    fixed = godockerlint(*SELECT, "--fix", "--unsafe-fixes", "--target", "nope", "good.Dockerfile")
    assert fixed.returncode == 2 and "target stage 'nope' could not be found" in fixed.stderr
    assert (work / "good.Dockerfile").read_bytes() == before

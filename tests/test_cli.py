"""The command line as a user sees it: output lines, exit codes, formats, stdin, rules listing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint import __version__
from godockerlint.cli.command import cli
from godockerlint.core.findings import Finding, Fix, Severity
from godockerlint.report.formats import text as text_report
from godockerlint.lint.rule import load_rules

HEADLINE = "GDL001,GDL002,GDL101,GDL201,GDL202,GDL203,GDL401"

GOOD = """\
FROM golang:1.25 AS build
ARG GOPROXY
WORKDIR /src
RUN --mount=type=bind,source=go.mod,target=go.mod \\
    --mount=type=bind,source=go.sum,target=go.sum \\
    --mount=type=cache,target=/go/pkg/mod \\
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \\
    --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""

# A multi-stage build whose only headline problem is the missing ARG GOPROXY (a warning).
NO_GOPROXY = GOOD.replace("ARG GOPROXY\n", "")
MSG_101 = (
    "stage 'build' runs `go mod download` without `ARG GOPROXY`: --build-arg GOPROXY=... cannot reach go; "
    "declare `ARG GOPROXY` before this RUN"
)

# Unterminated heredoc: GDL001 (an error).
BROKEN = "FROM golang:1.25\nRUN <<EOF\ngo build ./...\n"


def run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


@pytest.fixture
def work(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # no config from above the test folder
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def dockerfile(folder: Path, text: str, name: str = "Dockerfile") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- exit codes -------------------------------------------------------------------------------


def test_exit_0_when_nothing_is_found(work):
    dockerfile(work, GOOD)
    result = run(["--select", HEADLINE, "Dockerfile"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "All checks passed.\n", "")


def test_exit_1_on_a_warning(work):
    dockerfile(work, NO_GOPROXY)
    result = run(["--select", HEADLINE, "Dockerfile"])
    assert result.exit_code == 1
    assert result.stdout == (
        "Dockerfile:6:5: GDL101 warning: " + MSG_101 + "\n"
        "Found 1 problem (1 warning).\n"
    )
    assert result.stderr == ""


def test_exit_1_on_a_parse_error(work):
    dockerfile(work, BROKEN)
    result = run(["--select", HEADLINE])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Dockerfile:2:5: GDL001 error: ")
    assert lines[1:] == ["Found 1 problem (1 error)."]


def test_a_parse_error_is_reported_whatever_select_and_ignore_say(work):
    dockerfile(work, BROKEN)
    expected = "Dockerfile:2:5: GDL001 error: unterminated heredoc: no line 'EOF' ends it\n"
    for args in (["--select", "GDL101"], ["--ignore", "GDL001"]):
        result = run([*args, "-q"])
        assert (result.exit_code, result.stdout) == (1, expected)


def test_exit_2_on_a_missing_path(work):
    result = run(["Dockerfile"])
    assert result.exit_code == 2
    assert result.stderr == "godockerlint: error: Dockerfile: no such file or directory\n"
    assert result.stdout == "No problems found; 1 file could not be linted.\n"


def test_exit_2_on_an_unreadable_file_but_the_others_are_reported(work):
    dockerfile(work, NO_GOPROXY, "a/Dockerfile")
    (work / "b").mkdir()
    (work / "b" / "Dockerfile").symlink_to(work / "gone")  # found by discovery, cannot be read
    result = run(["--select", "GDL101", "--no-color"])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "a/Dockerfile:6:5: GDL101 warning: " + MSG_101,
        "Found 1 problem (1 warning); 1 file could not be linted.",
    ]
    [err] = result.stderr.splitlines()
    assert err.startswith("godockerlint: error: b/Dockerfile: ")


@pytest.mark.parametrize(
    "threshold, code",
    [("error", 0), ("warning", 1), ("info", 1), ("none", 0), ("WARNING", 1), (None, 1)],
)
def test_failure_threshold_on_a_warning(work, threshold, code):
    dockerfile(work, NO_GOPROXY)
    args = ["--select", "GDL101"] + (["--failure-threshold", threshold] if threshold else [])
    assert run(args).exit_code == code


@pytest.mark.parametrize("threshold, code", [("error", 1), ("none", 0)])
def test_failure_threshold_on_a_parse_error(work, threshold, code):
    dockerfile(work, BROKEN)
    assert run(["--failure-threshold", threshold]).exit_code == code


def test_usage_errors_are_one_line_and_exit_2(work):
    result = run(["--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr == (
        "godockerlint: error: Invalid value for '--format': 'xml' is not one of 'text', 'json', 'sarif', "
        "'github', 'gitlab', 'checkstyle' (see 'godockerlint --help')\n"
    )
    result = run(["--no-such-option"])
    assert result.exit_code == 2
    assert result.stderr.startswith("godockerlint: error: No such option '--no-such-option'")
    assert result.stderr.endswith(" (see 'godockerlint --help')\n") and result.stderr.count("\n") == 1


def test_an_internal_error_is_one_line_and_the_others_are_still_linted(work, monkeypatch):
    from godockerlint.lint import engine

    real = engine.lint_file

    def flaky(path, settings, display_path=None):
        if "bad" in str(path):
            raise RuntimeError("boom")
        return real(path, settings, display_path=display_path)

    monkeypatch.setattr(engine, "lint_file", flaky)
    dockerfile(work, NO_GOPROXY, "bad/Dockerfile")
    dockerfile(work, NO_GOPROXY, "good/Dockerfile")
    result = run(["--select", "GDL101", "-q"])
    assert result.exit_code == 2
    assert result.stderr == "godockerlint: error: bad/Dockerfile: internal error: RuntimeError: boom\n"
    assert result.stdout == "good/Dockerfile:6:5: GDL101 warning: " + MSG_101 + "\n"


# --- build options ---------------------------------------------------------------------------------


def test_target_selects_the_final_stage(work):
    dockerfile(work, GOOD)
    assert run(["--select", "GDL401"]).stdout == "All checks passed.\n"
    result = run(["--select", "GDL401", "--target", "build"])
    assert result.exit_code == 1
    # the build stage has no CMD: a toolchain image by purpose (info), not a shipped toolchain
    assert result.stdout.splitlines()[0].startswith("Dockerfile:1:1: GDL401 info: the final stage 'build' ")


def test_context_must_be_a_folder(work):
    dockerfile(work, GOOD)
    result = run(["--context", "nowhere"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "godockerlint: error: Invalid value for '--context': Directory 'nowhere' does not exist "
        "(see 'godockerlint --help')\n"
    )


# --- select / ignore ------------------------------------------------------------------------------


def test_select_and_ignore_take_codes_prefixes_and_repeats(work):
    dockerfile(work, "FROM golang:1.25\nRUN --mount=type=bind,source=go.mod,target=go.mod go mod download\n"
                     "RUN go build -o /app .\n")
    # GDL101, GDL202, GDL203, GDL401... (the bind puts a go.mod in view: there are modules to download)

    def found(*args):
        return sorted({f["code"] for f in json.loads(run(["--format", "json", *args]).stdout)})

    assert found("--select", "GDL101") == ["GDL101"]
    assert found("--select", "GDL101,GDL401") == ["GDL101", "GDL401"]
    assert found("--select", "GDL101", "--select", "gdl401") == ["GDL101", "GDL401"]
    assert found("--select", "GDL20") == ["GDL202", "GDL203"]
    assert found("--select", "GDL101,GDL20,GDL401", "--ignore", "GDL2") == ["GDL101", "GDL401"]
    assert found("--select", "GDL101,GDL20,GDL401", "--ignore", "GDL202", "--ignore", "GDL101") == [
        "GDL203", "GDL401"
    ]


def test_unknown_code_in_select_is_a_usage_error(work):
    result = run(["--select", "GDL101,GDL9999"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "godockerlint: error: Invalid value for '--select': unknown rule code 'GDL9999'"
    )
    assert result.stderr.count("\n") == 1


# --- stdin -----------------------------------------------------------------------------------------


def test_stdin(work):
    result = run(["--select", "GDL101", "-"], input=NO_GOPROXY)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "-:6:5: GDL101 warning: " + MSG_101


def test_stdin_filename_names_the_file(work):
    result = run(["--select", "GDL101", "--stdin-filename", "deploy/api.Dockerfile", "-"], input=NO_GOPROXY)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "deploy/api.Dockerfile:6:5: GDL101 warning: " + MSG_101


def test_stdin_and_files_in_one_run(work):
    dockerfile(work, NO_GOPROXY)
    result = run(["--select", "GDL101", "--format", "json", "Dockerfile", "-"], input=GOOD)
    assert [f["file"] for f in json.loads(result.stdout)] == ["Dockerfile"]


# --- formats ---------------------------------------------------------------------------------------


def test_json_shape(work):
    dockerfile(work, NO_GOPROXY)
    result = run(["--select", "GDL101", "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "code": "GDL101",
            "name": "goproxy-arg-missing",
            "level": "warning",
            "file": "Dockerfile",
            "line": 6,
            "column": 5,
            "end_line": 6,
            "end_column": 20,
            "message": MSG_101,
            "url": "https://github.com/godockerlint/godockerlint/blob/main/docs/rules.md#gdl101",
            "fix": "safe",
        }
    ]


def test_json_is_sorted_by_file_line_and_column(work):
    dockerfile(work, "FROM golang:1.25\nRUN go build -o /app .\n", "b/Dockerfile")
    dockerfile(work, "FROM golang:1.25\nRUN go build -o /app .\n", "a/Dockerfile")
    findings = json.loads(run(["--format", "json"]).stdout)
    keys = [(f["file"], f["line"], f["column"]) for f in findings]
    assert keys == sorted(keys)
    assert {f["file"] for f in findings} == {"a/Dockerfile", "b/Dockerfile"}
    assert all(f["fix"] in ("safe", "unsafe", None) for f in findings)


def test_json_with_no_findings_is_an_empty_array(work):
    dockerfile(work, GOOD)
    result = run(["--select", HEADLINE, "--format", "json"])
    assert (result.exit_code, result.stdout) == (0, "[]\n")


def test_output_file(work):
    dockerfile(work, NO_GOPROXY)
    expected = run(["--select", "GDL101", "--format", "json"]).stdout
    result = run(["--select", "GDL101", "--format", "json", "--output", "report.json"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert (work / "report.json").read_text() == expected
    result = run(["--select", "GDL101", "-o", "report.txt"])
    assert (work / "report.txt").read_text() == (
        "Dockerfile:6:5: GDL101 warning: " + MSG_101 + "\nFound 1 problem (1 warning).\n"
    )


def test_output_to_an_unwritable_place(work):
    dockerfile(work, GOOD)
    result = run(["--select", "GDL101", "--output", "no/such/dir/report.txt"])
    assert result.exit_code == 2
    assert result.stderr.startswith("godockerlint: error: no/such/dir/report.txt: ")


def test_quiet_prints_findings_only(work):
    dockerfile(work, NO_GOPROXY)
    assert run(["--select", "GDL101", "-q"]).stdout == "Dockerfile:6:5: GDL101 warning: " + MSG_101 + "\n"
    assert run(["--select", "GDL202", "--quiet"]).stdout == ""


def test_summary_counts_each_level():
    def finding(sev):
        return Finding("GDL101", "x", sev, "Dockerfile", 1, 1, 1, 2, "m")

    def summary(*sevs, failed=0):
        return text_report.summary([finding(s) for s in sevs], failed)

    assert summary() == "All checks passed."
    assert summary(Severity.ERROR) == "Found 1 problem (1 error)."
    assert summary(Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.WARNING, Severity.INFO) == (
        "Found 5 problems (1 error, 2 warnings, 2 info)."
    )
    assert summary(failed=2) == "No problems found; 2 files could not be linted."


def test_colour_only_when_asked_for():
    f = Finding("GDL401", "final-not-distroless", Severity.ERROR, "Dockerfile", 3, 1, 3, 9, "msg",
                fix=Fix((), "unsafe"))
    plain = text_report.render([f], quiet=True)
    assert plain == "Dockerfile:3:1: GDL401 error: msg\n"
    coloured = text_report.render([f], color=True, quiet=True)
    assert "\x1b[31m" in coloured  # red for errors
    assert click_unstyle(coloured) == plain


def click_unstyle(s: str) -> str:
    import click

    return click.unstyle(s)


def test_no_colour_when_not_a_terminal_or_no_color(work, monkeypatch):
    dockerfile(work, NO_GOPROXY)
    assert "\x1b[" not in run(["--select", "GDL101"]).stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(["--select", "GDL101"], color=True).stdout
    assert "\x1b[" not in run(["--select", "GDL101", "--no-color"], color=True).stdout


# --- inline ignores (applied by the engine, seen through the CLI) ---------------------------------


def test_inline_ignore_silences_the_next_instruction(work):
    dockerfile(work, NO_GOPROXY.replace("RUN --mount=type=bind", "# godockerlint ignore=GDL101 # mirror set by CI\nRUN --mount=type=bind"))
    result = run(["--select", "GDL101"])
    assert (result.exit_code, result.stdout) == (0, "All checks passed.\n")


def test_inline_ignore_of_an_unknown_rule_is_gdl002(work):
    dockerfile(work, GOOD.replace("COPY . .", "# godockerlint ignore=GDL9999\nCOPY . ."))
    result = run(["--select", "GDL002", "--no-color"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("Dockerfile:8:")
    assert " GDL002 warning: " in result.stdout.splitlines()[0]


# --- rules listing ------------------------------------------------------------------------------


def test_list_rules_is_an_aligned_table_of_every_rule(work):
    result = run(["--list-rules"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "FIX", "SUMMARY"]
    rules = load_rules()
    assert [line.split()[0] for line in lines[1:]] == list(rules)
    for line, rule in zip(lines[1:], rules.values()):
        assert line.split()[:4] == [rule.code, rule.name, rule.severity.label, rule.fix]
    for column in ("NAME", "SEVERITY", "FIX", "SUMMARY"):
        start = lines[0].index(column)
        assert all(line[start - 2 : start] == "  " and line[start] != " " for line in lines[1:])
    assert {"GDL001", "GDL002", "GDL101", "GDL201", "GDL202", "GDL203", "GDL401"} <= set(rules)
    assert "GDL101  goproxy-arg-missing" in result.stdout


def test_explain_prints_the_rule_documentation(work):
    result = run(["--explain", "GDL101"])
    assert result.exit_code == 0
    rule = load_rules()["GDL101"]
    assert result.stdout.startswith("GDL101 goproxy-arg-missing (warning, fix: safe)\n\n" + rule.doc.strip())
    assert "Anti-pattern" in result.stdout and "Best practice" in result.stdout
    assert result.stdout.endswith(rule.url + "\n")
    assert run(["--explain", "goproxy-arg-missing"]).stdout == result.stdout
    assert run(["--explain", "gdl101"]).stdout == result.stdout


def test_explain_an_unknown_rule(work):
    result = run(["--explain", "GDL999"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "godockerlint: error: unknown rule 'GDL999' (see 'godockerlint --list-rules')\n"


def test_version(work):
    result = run(["--version"])
    assert (result.exit_code, result.stdout) == (0, f"godockerlint {__version__}\n")


# --- a few real processes -------------------------------------------------------------------------


def godockerlint(*args, cwd, input=None):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([sys.executable, "-m", "godockerlint", *args], cwd=cwd, input=input,
                          capture_output=True, text=True, env=env)


def test_process_exit_codes(work):
    dockerfile(work, GOOD, "good/Dockerfile")
    dockerfile(work, NO_GOPROXY, "bad/Dockerfile")
    ok = godockerlint("--select", HEADLINE, "good", cwd=work)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "All checks passed.\n", "")
    bad = godockerlint("--select", HEADLINE, "bad", cwd=work)
    assert (bad.returncode, bad.stdout) == (
        1, "bad/Dockerfile:6:5: GDL101 warning: " + MSG_101 + "\nFound 1 problem (1 warning).\n"
    )
    missing = godockerlint("nowhere", cwd=work)
    assert (missing.returncode, missing.stderr) == (2, "godockerlint: error: nowhere: no such file or directory\n")
    config = godockerlint("--config", "nope.yaml", cwd=work)
    assert (config.returncode, config.stderr) == (2, "godockerlint: error: nope.yaml: no such file\n")


def test_process_stdin(work):
    proc = godockerlint("--select", "GDL101", "--stdin-filename", "x/Dockerfile", "--format", "json", "-",
                        cwd=work, input=NO_GOPROXY)
    assert proc.returncode == 1
    assert [(f["file"], f["code"], f["line"]) for f in json.loads(proc.stdout)] == [("x/Dockerfile", "GDL101", 6)]

"""Report formats as their consumers read them: SARIF (validated against the OASIS 2.1.0 schema),
GitHub workflow commands, GitLab Code Quality, Checkstyle XML; several formats in one run;
--statistics; fingerprints that survive unrelated edits."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint import __version__
from godockerlint.cli.command import cli
from godockerlint.core.findings import Edit, Finding, Fix, Severity
from godockerlint.report.formats import checkstyle, github, gitlab, sarif
from godockerlint.lint.rule import load_rules
from sarif_schema import validate_sarif


# Two headline problems the rules report stably: no ARG GOPROXY (GDL101, safe fix) and a
# toolchain image shipped to production (GDL401, an error).
SINGLE = """\
FROM golang:1.25
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    go build -o /app .
ENTRYPOINT ["/app"]
"""
SELECT = ["--select", "GDL101,GDL401"]


def run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


@pytest.fixture
def work(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text(SINGLE)
    return tmp_path


def finding(code="GDL101", severity=Severity.WARNING, file="Dockerfile", line=3, column=5, end_line=3,
            end_column=9, message="m", fix=None):
    rule = load_rules()[code]
    return Finding(code, rule.name, severity, file, line, column, end_line, end_column, message, rule.url, fix)


# --- SARIF --------------------------------------------------------------------------------------


def sarif_of(args) -> tuple[int, dict]:
    result = run([*SELECT, "--format", "sarif", *args])
    return result.exit_code, json.loads(result.stdout)


def test_sarif_is_valid_against_the_2_1_0_schema(work):
    code, log = sarif_of([])
    assert code == 1
    validate_sarif(log)  # raises on any violation
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1


def test_sarif_validation_checks_the_formats(work):
    """A file name that is not a URI reference, a time that is not RFC 3339: the schema's
    `format`s are checked (jsonschema ignores them without a format checker)."""
    import copy

    import jsonschema

    _, log = sarif_of([])
    bad = copy.deepcopy(log)
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "svc/My Dockerfile"
    with pytest.raises(jsonschema.ValidationError, match="is not a 'uri-reference'"):
        validate_sarif(bad)
    bad = copy.deepcopy(log)
    bad["runs"][0]["invocations"] = [{"executionSuccessful": True, "startTimeUtc": "yesterday"}]
    with pytest.raises(jsonschema.ValidationError, match="is not a 'date-time'"):
        validate_sarif(bad)


def test_sarif_driver_lists_every_rule_that_fired(work):
    _, log = sarif_of([])
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("godockerlint", __version__)
    assert driver["informationUri"] == "https://github.com/godockerlint/godockerlint"
    rules = load_rules()
    assert [r["id"] for r in driver["rules"]] == ["GDL101", "GDL401"]
    r101 = driver["rules"][0]
    assert r101["name"] == "goproxy-arg-missing"
    assert r101["shortDescription"] == {"text": rules["GDL101"].summary}
    assert r101["fullDescription"]["text"] == "A Go stage downloads modules but `ARG GOPROXY` is not declared in it."
    assert r101["helpUri"] == rules["GDL101"].url
    assert r101["defaultConfiguration"] == {"level": "warning"}
    assert driver["rules"][1]["defaultConfiguration"] == {"level": "error"}


def test_sarif_results_point_at_their_rule_and_region(work):
    _, log = sarif_of([])
    results = log["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert [r["ruleId"] for r in results] == ["GDL401", "GDL101"]  # in file order
    r101 = by_rule["GDL101"]
    assert (r101["ruleIndex"], r101["level"]) == (0, "warning")
    assert r101["message"]["text"].startswith("stage #0 runs `go mod download` without `ARG GOPROXY`")
    assert r101["locations"] == [{"physicalLocation": {
        "artifactLocation": {"uri": "Dockerfile"},
        "region": {"startLine": 4, "startColumn": 43, "endLine": 4, "endColumn": 58}}}]
    assert (by_rule["GDL401"]["ruleIndex"], by_rule["GDL401"]["level"]) == (1, "error")


def test_sarif_level_follows_a_severity_override(work):
    (work / ".godockerlint.yaml").write_text("severity:\n  GDL101: info\n")
    _, log = sarif_of([])
    r101 = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "GDL101")
    assert r101["level"] == "note"
    validate_sarif(log)


def test_sarif_fixes_apply_to_the_file(work):
    _, log = sarif_of([])
    r101 = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "GDL101")
    [fix] = r101["fixes"]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "Dockerfile"}
    text = SINGLE
    for rep in sorted(change["replacements"], key=lambda r: -r["deletedRegion"]["charOffset"]):
        start = rep["deletedRegion"]["charOffset"]
        text = text[:start] + rep["insertedContent"]["text"] + text[start + rep["deletedRegion"]["charLength"]:]
    (work / "Dockerfile").write_text(text)
    assert "ARG GOPROXY" in text
    assert run(["--select", "GDL101", "Dockerfile"]).stdout == "All checks passed.\n"
    # GDL401's fix (a rewrite into build + distroless stages) is unsafe: its description says so
    gdl401 = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "GDL401")
    assert gdl401["fixes"][0]["description"]["text"].endswith("(unsafe: it may change what the image does)")


def test_sarif_with_no_findings_is_valid_and_empty(work):
    (work / "Dockerfile").write_text("FROM scratch\nCOPY app /app\n")
    code, log = sarif_of([])
    assert code == 0
    validate_sarif(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_sarif_uris_are_uri_references():
    assert sarif.artifact_uri("a b/Dockerfile") == "a%20b/Dockerfile"
    assert sarif.artifact_uri("./x\\Dockerfile") == "x/Dockerfile"
    assert sarif.artifact_uri("/abs/Dockerfile") == "file:///abs/Dockerfile"
    log = json.loads(sarif.render([finding(file="a b/Dockerfile", fix=Fix((Edit(1, 2, "x"),), "unsafe"))]))
    validate_sarif(log)
    assert log["runs"][0]["results"][0]["fixes"][0]["description"]["text"] == (
        "GDL101 fix (unsafe: it may change what the image does)")


def test_sarif_is_a_pure_function():
    findings = [finding(line=4), finding(code="GDL401", severity=Severity.ERROR, line=1)]
    assert sarif.render(findings, sources={"Dockerfile": SINGLE}) == sarif.render(
        list(reversed(findings)), sources={"Dockerfile": SINGLE})


# --- fingerprints survive unrelated edits -------------------------------------------------------


SHIFTED = "# syntax=docker/dockerfile:1\n# a comment\n\n" + SINGLE.replace(
    "WORKDIR /src\n", "WORKDIR /src\nENV CGO_ENABLED=0\nLABEL org.opencontainers.image.title=app\n")


def prints(args, fmt):
    out = run([*SELECT, "--format", fmt, *args]).stdout
    if fmt == "sarif":
        return {(r["ruleId"], r["partialFingerprints"]["godockerlint/v1"]): r["locations"][0]["physicalLocation"]
                ["region"]["startLine"] for r in json.loads(out)["runs"][0]["results"]}
    return {(i["check_name"], i["fingerprint"]): i["location"]["lines"]["begin"] for i in json.loads(out)}


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_fingerprints_survive_lines_added_above(work, fmt):
    before = prints([], fmt)
    (work / "Dockerfile").write_text(SHIFTED)
    after = prints([], fmt)
    assert set(before) == set(after)  # same rules, same fingerprints
    assert [after[k] - before[k] for k in sorted(before)] == [5, 3]  # ... at other lines
    # editing the instruction itself is a different finding
    (work / "Dockerfile").write_text(SHIFTED.replace("go mod download", "go mod download -x"))
    changed = prints([], fmt)
    assert {k[0] for k in set(changed) - set(before)} == {"GDL101"}


def test_identical_instructions_get_distinct_fingerprints():
    text = "FROM golang:1.25\nRUN go build .\nRUN go build .\n"
    findings = [finding(line=2), finding(line=3)]
    log = json.loads(sarif.render(findings, sources={"Dockerfile": text}))
    fps = [r["partialFingerprints"]["godockerlint/v1"] for r in log["runs"][0]["results"]]
    assert len(set(fps)) == 2


# --- GitHub workflow commands ---------------------------------------------------------------------


# ::level prop=value,...::message, with GitHub's escaping: no raw CR/LF anywhere, no raw ':' or ','
# inside property values.
PROP_VALUE = r"(?:[^%\r\n:,]|%25|%0D|%0A|%3A|%2C)*"
COMMAND = re.compile(
    rf"^::(error|warning|notice) file={PROP_VALUE},line=\d+(?:,col=\d+)?,endLine=\d+(?:,endColumn=\d+)?,"
    rf"title={PROP_VALUE}::(?:[^%\r\n]|%25|%0D|%0A)*$"
)


def test_github_commands_follow_the_workflow_command_grammar(work):
    result = run([*SELECT, "--format", "github"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(COMMAND.match(line) for line in lines), lines
    assert lines[0] == (
        "::error file=Dockerfile,line=1,col=1,endLine=1,endColumn=17,title=GDL401 final-not-distroless::"
        "a single-stage build ships the Go toolchain image golang:1.25 to production: build in one stage "
        "and copy the binary into gcr.io/distroless/static-debian12:nonroot"
    )
    assert lines[1].startswith("::warning file=Dockerfile,line=4,col=43,endLine=4,endColumn=58,"
                               "title=GDL101 goproxy-arg-missing::stage #0 runs")


def test_github_escapes_properties_and_data():
    f = finding(file="a:b,c%/Dockerfile", message="100% sure\r\nnext: a,b", severity=Severity.INFO)
    assert github.render([f]) == (
        "::notice file=a%3Ab%2Cc%25/Dockerfile,line=3,col=5,endLine=3,endColumn=9,"
        "title=GDL101 goproxy-arg-missing::100%25 sure%0D%0Anext: a,b\n"
    )
    assert COMMAND.match(github.render([f]).rstrip("\n"))


def test_github_omits_columns_for_a_multi_line_finding():
    f = finding(line=3, end_line=5, end_column=2)
    assert github.render([f]) == (
        "::warning file=Dockerfile,line=3,endLine=5,title=GDL101 goproxy-arg-missing::m\n")


# --- GitLab Code Quality -----------------------------------------------------------------------------


GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def test_gitlab_code_quality_has_the_required_keys(work):
    result = run([*SELECT, "--format", "gitlab"])
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    assert isinstance(issues, list) and len(issues) == 2
    for issue in issues:  # what GitLab's codequality artifact parser requires
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str)
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["location"]["path"] == "Dockerfile"
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert [(i["check_name"], i["severity"], i["location"]["lines"]) for i in issues] == [
        ("GDL401", "critical", {"begin": 1, "end": 1}),
        ("GDL101", "major", {"begin": 4, "end": 4}),
    ]
    assert len({i["fingerprint"] for i in issues}) == 2


def test_gitlab_severity_mapping():
    issues = json.loads(gitlab.render([
        finding(severity=Severity.INFO, line=1), finding(severity=Severity.WARNING, line=2),
        finding(code="GDL401", severity=Severity.ERROR, line=3),
        finding(code="GDL001", severity=Severity.ERROR, line=4, file="./x/Dockerfile"),
    ]))
    assert [(i["severity"], i["location"]["path"]) for i in issues] == [  # sorted by file as given: ./x first
        ("blocker", "x/Dockerfile"), ("info", "Dockerfile"), ("major", "Dockerfile"), ("critical", "Dockerfile")]


# --- Checkstyle ------------------------------------------------------------------------------------


def test_checkstyle_parses_with_the_expected_structure(work):
    result = run([*SELECT, "--format", "checkstyle"])
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.encode())
    assert (root.tag, root.get("version")) == ("checkstyle", "4.3")
    [file] = root
    assert (file.tag, file.get("name")) == ("file", "Dockerfile")
    assert [(e.tag, e.get("line"), e.get("column"), e.get("severity"), e.get("source")) for e in file] == [
        ("error", "1", "1", "error", "godockerlint.GDL401"),
        ("error", "4", "43", "warning", "godockerlint.GDL101"),
    ]


def test_checkstyle_escapes_everything():
    nasty = 'a <b> & "c"\nd\te\x01f'
    out = checkstyle.render([finding(file='x&"y.Dockerfile', message=nasty), finding(file="z/Dockerfile")])
    root = ET.fromstring(out.encode())
    assert [f.get("name") for f in root] == ['x&"y.Dockerfile', "z/Dockerfile"]
    assert root[0][0].get("message") == 'a <b> & "c"\nd\te\ufffdf'


def test_checkstyle_without_findings():
    assert checkstyle.render([]) == '<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">\n</checkstyle>\n'


# --- several formats in one run ----------------------------------------------------------------------


def test_text_on_stdout_and_sarif_to_a_file(work):
    text_only = run(SELECT).stdout
    result = run([*SELECT, "--format", "text", "--format", "sarif", "--output", "sarif=results.sarif"])
    assert (result.exit_code, result.stdout) == (1, text_only)
    validate_sarif(json.loads((work / "results.sarif").read_text()))


def test_output_format_adds_the_format(work):
    result = run([*SELECT, "--output", "gitlab=gl.json"])
    assert result.stdout == run(SELECT).stdout  # text stays on stdout
    assert len(json.loads((work / "gl.json").read_text())) == 2


def test_bare_outputs_pair_with_the_formats_in_order(work):
    result = run([*SELECT, "--format", "json", "--format", "checkstyle", "-o", "a.json", "-o", "b.xml"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert len(json.loads((work / "a.json").read_text())) == 2
    assert ET.fromstring((work / "b.xml").read_bytes()).tag == "checkstyle"
    # a FORMAT=FILE output takes its format out of the pairing
    run([*SELECT, "--format", "json", "--format", "github", "-o", "json=c.json", "-o", "d.txt"])
    assert (work / "d.txt").read_text().startswith("::error ")


@pytest.mark.parametrize("args, message", [
    (["--format", "json", "--format", "sarif"],
     "--format json and sarif would all write to stdout: give all but one a file with --output FORMAT=FILE"),
    (["--format", "json", "--format", "json"], "--format json is given twice"),
    (["-o", "a", "-o", "b"], "--output b: every format already has an output (pair files with formats as "
                             "--output FORMAT=FILE)"),
    (["--format", "json", "--format", "sarif", "-o", "same", "-o", "same"], "--output same is given to two formats"),
    (["-o", "sarif="], "--output sarif=: no file after '='"),
])
def test_output_usage_errors(work, args, message):
    result = run(args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"godockerlint: error: {message} (see 'godockerlint --help')\n"


# --- --statistics ------------------------------------------------------------------------------


def test_statistics_after_the_text_report(work):
    (work / "b").mkdir()
    (work / "b" / "Dockerfile").write_text(SINGLE)
    result = run([*SELECT, "--statistics", "-q"])
    assert result.exit_code == 1
    assert result.stdout.endswith(
        "2  GDL101  goproxy-arg-missing\n"
        "2  GDL401  final-not-distroless\n"
        "4  total\n")


def test_statistics_sorted_by_count_then_code():
    from godockerlint.report.reporting import statistics

    fs = [finding(code="GDL401", severity=Severity.ERROR)] + [finding(line=i) for i in range(10)]
    assert statistics(fs) == "10  GDL101  goproxy-arg-missing\n 1  GDL401  final-not-distroless\n11  total\n"
    assert statistics([]) == ""


def test_statistics_never_go_into_a_machine_report(work):
    result = run([*SELECT, "--format", "json", "--statistics"])
    assert len(json.loads(result.stdout)) == 2
    assert result.stderr.endswith("2  total\n")


# --- cost: reporters are imported only for the chosen formats ------------------------------------


IMPORTS = (
    "import sys, runpy; sys.argv = ['godockerlint'] + sys.argv[1:]\n"
    "try:\n    runpy.run_module('godockerlint', run_name='__main__')\n"
    "finally:\n    print(sorted(m for m in sys.modules if m.startswith(('ruamel', 'jinja2', 'godockerlint.report.formats.'))"
    " and m.count('.') <= (3 if m.startswith('godockerlint') else 2)), file=sys.stderr)\n"
)


def test_only_the_chosen_reporters_are_imported(work):
    proc = subprocess.run([sys.executable, "-c", IMPORTS, *SELECT, "--format", "github"],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "['godockerlint.report.formats.github']"

"""CI gating: --write-baseline / --baseline (matching survives line shifts), --exit-zero."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli

# GDL101 (no ARG GOPROXY) on the `go mod download` RUN; GDL401 (toolchain image shipped).
LEGACY = """\
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


def run(args):
    return CliRunner().invoke(cli, [*SELECT, *args], catch_exceptions=False)


@pytest.fixture
def work(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text(LEGACY)
    return tmp_path


def test_write_baseline_records_the_findings_and_exits_0(work):
    report = run([]).stdout
    result = run(["--write-baseline", "baseline.json"])
    assert (result.exit_code, result.stdout) == (0, report)
    assert result.stderr == "godockerlint: wrote 2 findings to the baseline baseline.json\n"
    doc = json.loads((work / "baseline.json").read_text())
    assert doc["godockerlint-baseline"] == 1
    assert [(e["code"], e["file"], e["line"]) for e in doc["findings"]] == [("GDL401", "Dockerfile", 1),
                                                                            ("GDL101", "Dockerfile", 4)]
    assert all(len(e["fingerprint"]) == 32 for e in doc["findings"])


def test_baseline_hides_known_findings(work):
    run(["--write-baseline", "baseline.json"])
    result = run(["--baseline", "baseline.json"])
    assert (result.exit_code, result.stdout) == (0, "All checks passed.\n")
    assert result.stderr == "godockerlint: 2 findings in the baseline baseline.json not reported\n"


def test_baseline_survives_lines_added_and_removed_above(work):
    run(["--write-baseline", "baseline.json"])
    shifted = "# syntax=docker/dockerfile:1\n\n# build\n" + LEGACY.replace(
        "WORKDIR /src\n", "WORKDIR /src\nENV CGO_ENABLED=0\nLABEL a=b\n").replace("COPY . .\n", "COPY  .   .\n")
    (work / "Dockerfile").write_text(shifted)
    assert run([]).exit_code == 1  # the findings are there, at other lines
    result = run(["--baseline", "baseline.json", "-q"])
    assert (result.exit_code, result.stdout) == (0, "")


def test_baseline_reports_only_new_findings(work):
    run(["--write-baseline", "baseline.json"])
    # a second stage downloading modules without ARG GOPROXY: one new GDL101
    (work / "Dockerfile").write_text(
        "FROM golang:1.25 AS tools\nRUN go install example.com/tool@v1.0.0\n\n" + LEGACY)
    result = run(["--baseline", "baseline.json"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Dockerfile:2:5: GDL101 warning: stage 'tools' runs `go install` without `ARG GOPROXY`: "
        "--build-arg GOPROXY=... cannot reach go; declare `ARG GOPROXY` before this RUN",
        "Found 1 problem (1 warning).",
    ]


def test_a_second_identical_instruction_is_a_new_finding(work):
    first = "FROM golang:1.25 AS a\nRUN --mount=type=bind,source=go.mod,target=go.mod go mod download\n"
    final = "FROM scratch\nCOPY --from=a /go/pkg/mod /mod\n"
    (work / "Dockerfile").write_text(first + final)
    run(["--write-baseline", "baseline.json"])
    (work / "Dockerfile").write_text(first + first.replace(" a\n", " b\n") + final)
    result = run(["--baseline", "baseline.json", "-q"])
    assert result.exit_code == 1
    assert result.stdout == (
        "Dockerfile:4:51: GDL101 warning: stage 'b' runs `go mod download` without `ARG GOPROXY`: "
        "--build-arg GOPROXY=... cannot reach go; declare `ARG GOPROXY` before this RUN\n")


def test_baseline_filters_every_format(work):
    run(["--write-baseline", "baseline.json"])
    result = run(["--baseline", "baseline.json", "--format", "sarif"])
    assert json.loads(result.stdout)["runs"][0]["results"] == []
    assert result.exit_code == 0


def test_a_baseline_from_another_file_does_not_hide_this_one(work):
    run(["--write-baseline", "baseline.json"])
    (work / "other").mkdir()
    (work / "other" / "Dockerfile").write_text(LEGACY)
    result = run(["--baseline", "baseline.json", "-q", "."])
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["other/Dockerfile"] * 2


def test_a_missing_or_bad_baseline_is_an_error(work):
    result = run(["--baseline", "nope.json"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("godockerlint: error: nope.json: no such file "
                             "(create it with --write-baseline nope.json)\n")
    (work / "bad.json").write_text('{\n  "findings": [\n')
    result = run(["--baseline", "bad.json"])
    assert result.exit_code == 2
    assert result.stderr.startswith("godockerlint: error: bad.json:3: not a baseline: ")
    (work / "bad.json").write_text('{"findings": []}')
    assert run(["--baseline", "bad.json"]).stderr == (
        'godockerlint: error: bad.json: not a godockerlint baseline '
        '(expected {"godockerlint-baseline": 1, "findings": [...]})\n')


def test_exit_zero(work):
    result = run(["--exit-zero"])
    assert result.exit_code == 0
    assert result.stdout.endswith("Found 2 problems (1 error, 1 warning).\n")
    # an error is still an error
    assert run(["--exit-zero", "missing/Dockerfile"]).exit_code == 2

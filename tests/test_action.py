"""The GitHub Action: action.yml's shape, its script run locally with the inputs as environment
variables (as the composite step passes them), and the documented example workflow."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from sarif_schema import validate_sarif

REPO = Path(__file__).resolve().parent.parent
ACTION = YAML(typ="safe").load((REPO / "action.yml").read_text())
SCRIPT = REPO / ".github" / "action" / "run.sh"
INPUTS = ["paths", "format", "failure-threshold", "config", "sarif-file"]

# GDL101 (a warning) and GDL401 (an error).
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
# Only GDL101 (a warning).
MULTI = SINGLE.replace("FROM golang:1.25\n", "FROM golang:1.25 AS build\n") + (
    "\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n")
ANNOTATION = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=\d+,.*title=GDL\d{3} [a-z-]+::.+$")


def test_action_is_composite_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert list(ACTION["inputs"]) == INPUTS
    assert ACTION["inputs"]["paths"]["default"] == "."
    assert ACTION["inputs"]["format"]["default"] == "github"
    install, lint = ACTION["runs"]["steps"]
    # godockerlint comes from the action's own checkout, at the ref the workflow pinned
    assert 'pip install --quiet --disable-pip-version-check "${{ github.action_path }}"' in install["run"]
    # every input reaches the script as INPUT_<NAME>
    assert lint["env"] == {f"INPUT_{name.upper().replace('-', '_')}": f"${{{{ inputs.{name} }}}}"
                           for name in INPUTS}
    assert lint["run"] == '"$GITHUB_ACTION_PATH/.github/action/run.sh"'
    assert os.access(SCRIPT, os.X_OK)
    assert ACTION["outputs"]["sarif-file"]["value"] == "${{ steps.lint.outputs.sarif-file }}"


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(SINGLE)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Dockerfile").write_text(MULTI)
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "Dockerfile").write_text(SINGLE)
    (tmp_path / "lint.yaml").write_text("select: [GDL101, GDL401]\n")
    return tmp_path


def action(workspace, **inputs):
    if shutil.which("bash") is None:
        pytest.fail("bash is needed to run the action's script")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    env["GITHUB_OUTPUT"] = str(workspace / "github_output")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["GODOCKERLINT"] = f"{sys.executable} -m godockerlint"
    return subprocess.run([str(SCRIPT)], cwd=workspace, env=env, capture_output=True, text=True)


def test_script_annotates_writes_sarif_and_fails_on_errors(workspace):
    proc = action(workspace, paths="svc\nother", config="lint.yaml", sarif_file="godockerlint.sarif",
                  failure_threshold="error")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert all(ANNOTATION.match(line) for line in lines), lines
    assert [re.match(r"(::\w+) file=([^,]+),.*title=(\w+)", line).groups() for line in lines] == [
        ("::warning", "other/Dockerfile", "GDL101"),
        ("::error", "svc/Dockerfile", "GDL401"),
        ("::warning", "svc/Dockerfile", "GDL101"),
    ]
    log = json.loads((workspace / "godockerlint.sarif").read_text())
    validate_sarif(log)
    assert len(log["runs"][0]["results"]) == 3
    assert (workspace / "github_output").read_text() == "sarif-file=godockerlint.sarif\nexit-code=1\n"


def test_script_passes_when_nothing_reaches_the_threshold(workspace):
    proc = action(workspace, paths="other", config="lint.yaml", failure_threshold="error")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("::warning file=other/Dockerfile,line=4,")
    assert (workspace / "github_output").read_text() == "sarif-file=\nexit-code=0\n"


def test_script_defaults_lint_the_workspace(workspace):
    proc = action(workspace, paths="", format="", config="lint.yaml")
    assert proc.returncode == 1
    files = {re.match(r"::\w+ file=([^,]+),", line).group(1) for line in proc.stdout.splitlines()}
    assert files == {"svc/Dockerfile", "other/Dockerfile", "ignored/Dockerfile"}


def test_script_with_sarif_as_the_format_prints_nothing_else(workspace):
    proc = action(workspace, paths="svc", format="sarif", sarif_file="r.sarif", config="lint.yaml")
    assert (proc.returncode, proc.stdout) == (1, "")
    validate_sarif(json.loads((workspace / "r.sarif").read_text()))


def test_script_reports_errors_with_status_2(workspace):
    proc = action(workspace, paths="missing", config="lint.yaml")
    assert proc.returncode == 2
    assert proc.stderr == "godockerlint: error: missing: no such file or directory\n"
    assert (workspace / "github_output").read_text() == "sarif-file=\nexit-code=2\n"


def test_example_workflow_uploads_sarif_and_fails_on_errors():
    workflow = YAML(typ="safe").load((REPO / "docs" / "github-workflow-example.yml").read_text())
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["godockerlint"]["steps"]
    lint = next(s for s in steps if s.get("uses", "").startswith("godockerlint/godockerlint@"))
    assert set(lint["with"]) <= set(ACTION["inputs"])
    assert lint["with"]["failure-threshold"] == "error"
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == lint["with"]["sarif-file"]
    assert upload["if"] == "${{ !cancelled() }}"  # runs after a failed lint step too
    assert steps.index(upload) > steps.index(lint)

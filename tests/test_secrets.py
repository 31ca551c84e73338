"""Secrets written in a Dockerfile never reach a report, whatever the format (GDL501 and every other rule)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from godockerlint.lint.engine import lint_bytes
from godockerlint.core.redact import redact
from godockerlint.core.settings import Settings

SECRETS = (
    "s3cr3tPassw0rd",
    "AnotherS3cret",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "glpat-AbCdEfGhIjKlMnOpQrSt",
    "npm_SuperSecretValue123456",
    "0123456789abcdef0123456789abcdef01234567",
    "hunter2hunter2",
)

DOCKERFILE = """\
ARG GOPROXY=https://builder:s3cr3tPassw0rd@goproxy.corp.example.com,direct
FROM golang:1.25 AS build
ENV GOPROXY=https://builder:s3cr3tPassw0rd@goproxy.corp.example.com
ENV NPM_TOKEN=npm_SuperSecretValue123456 DB_PASSWORD=hunter2hunter2
ENV GOPRIVATE=github.com/acme/* GOFLAGS=-mod=mod
RUN git config --global url."https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/".insteadOf "https://github.com/"
RUN git clone https://0123456789abcdef0123456789abcdef01234567:x-oauth-basic@github.com/acme/lib.git /lib
WORKDIR /src
COPY . .
RUN GOPROXY=https://u:AnotherS3cret@proxy.example.com GITLAB_TOKEN=glpat-AbCdEfGhIjKlMnOpQrSt go build -o /out/app .

FROM alpine
COPY --from=build /out/app /app
"""


@pytest.fixture()
def dockerfile(tmp_path: Path) -> Path:
    """The Dockerfile in a folder of its own: its `.git` stops the config search there."""
    (tmp_path / ".git").mkdir()
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "checkstyle"])
def test_no_format_prints_a_secret(dockerfile: Path, fmt: str):
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "--format", fmt, str(dockerfile)],
                          capture_output=True, text=True, cwd=dockerfile.parent)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout + proc.stderr
    assert "GDL501" in out
    for secret in SECRETS:
        assert secret not in out, f"{fmt} output shows {secret[:4]}..."


def test_json_report_masks_the_credentials(dockerfile: Path):
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "--format", "json", "--select", "GDL501",
                           str(dockerfile)], capture_output=True, text=True, cwd=dockerfile.parent)
    assert proc.returncode == 1, proc.stderr
    text = proc.stdout
    json.loads(text)
    assert "https://builder:****@goproxy.corp.example.com" in text
    assert "ghp_****" in text
    assert "https://****:****@github.com" in text  # the token is the user name there


def test_findings_and_fix_descriptions_are_redacted():
    found = lint_bytes(DOCKERFILE.encode(), "Dockerfile", Settings(), context_dir=None)
    assert any(f.code == "GDL501" for f in found)
    shown = " ".join(f.message + " " + (f.fix.message if f.fix else "") for f in found)
    for secret in SECRETS:
        assert secret not in shown


def test_redact():
    assert redact("GOPROXY=https://user:tok3n@proxy.example.com,direct") == \
        "GOPROXY=https://user:****@proxy.example.com,direct"
    assert redact("https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x") == "https://ghp_****@github.com/x"
    assert redact("token glpat-AbCdEfGhIjKlMnOpQrSt here") == "token glpat-**** here"
    assert redact("value hunter2hunter2 seen", {"hunter2hunter2"}) == "value **** seen"
    assert redact("ssh://git@github.com/acme/x.git") == "ssh://git@github.com/acme/x.git"
    assert redact("https://proxy.golang.org,direct") == "https://proxy.golang.org,direct"


# -- every other output: --diff, --fix summaries and warnings, statistics, parse errors ---------

def _run(args, cwd):
    proc = subprocess.run([sys.executable, "-m", "godockerlint", *args], capture_output=True, text=True, cwd=cwd)
    assert "Traceback" not in proc.stderr
    return proc


def _assert_masked(out: str, what: str) -> None:
    for secret in SECRETS:
        assert secret not in out, f"{what} shows {secret[:4]}..."


@pytest.mark.parametrize("args", [
    ["--diff"], ["--diff", "--unsafe-fixes"], ["--fix"], ["--fix", "--unsafe-fixes"],
    ["--fix", "--unsafe-fixes", "--format", "json", "--statistics"],
    ["--format", "sarif", "--format", "gitlab", "--format", "checkstyle", "--format", "github", "--format", "json",
     "--output", "sarif=r.sarif", "--output", "gitlab=r.gl", "--output", "checkstyle=r.xml", "--output",
     "github=r.gh", "--statistics"],
    ["--write-baseline", "baseline.json"],
])
def test_no_other_output_prints_a_secret(dockerfile: Path, args):
    proc = _run([*args, "Dockerfile"], dockerfile.parent)
    # 1: GDL501 errors remain (no fix); writing a baseline is not a failure
    assert proc.returncode == (0 if "--write-baseline" in args else 1), proc.stderr
    out = proc.stdout + proc.stderr
    if "--diff" in args:
        assert out.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
        assert "https://builder:****@goproxy.corp.example.com" in out  # the diff's context lines, masked
    written = [p for p in dockerfile.parent.iterdir() if p.is_file() and p.name != "Dockerfile"]
    for p in written:
        out += p.read_text()
    _assert_masked(out, " ".join(args))
    if "--fix" in args:  # the file itself keeps its content: only the reports are masked
        assert "s3cr3tPassw0rd" in dockerfile.read_text()


def test_fix_warnings_do_not_print_a_secret(tmp_path: Path):
    """A fix that is dropped is explained on stderr, with the secrets masked."""
    (tmp_path / ".git").mkdir()
    df = tmp_path / "Dockerfile"
    # GDL601's fix on this file is refused (it would add a GDL102 error), quoting the RUN's stage
    df.write_text("FROM --platform=$BUILDPLATFORM golang:1.25 AS x\n"
                  "ENV DB_PASSWORD=hunter2hunter2\n"
                  "RUN GOPROXY=https://u:AnotherS3cret@proxy.example.com go build -o /out/app .\n"
                  "FROM golang:1.25\n")
    for args in (["--fix", "--unsafe-fixes"], ["--diff", "--unsafe-fixes"]):
        proc = _run([*args, "Dockerfile"], tmp_path)
        _assert_masked(proc.stdout + proc.stderr, " ".join(args))


@pytest.mark.parametrize("line", [
    "https://builder:s3cr3tPassw0rd@goproxy.corp.example.com install",
    "RUN --mount=type=secret,id=ghp_abcdefghijklmnopqrstuvwxyz0123456789,oops x",
    "RUN --mount=type=weird,target=https://u:AnotherS3cret@proxy.example.com x",
])
def test_parse_errors_do_not_print_a_secret(tmp_path: Path, line: str):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(f"FROM golang:1.25\n{line}\n")
    for fmt in ("text", "json", "sarif", "github", "gitlab", "checkstyle"):
        proc = _run(["--format", fmt, "Dockerfile"], tmp_path)
        assert proc.returncode == 1
        assert "GDL001" in proc.stdout or "parse-error" in proc.stdout
        _assert_masked(proc.stdout + proc.stderr, fmt)

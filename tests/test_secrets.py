"""Secrets written in a Dockerfile never reach a report, whatever the format (GDL501 and every other rule)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from godockerlint.engine import lint_bytes
from godockerlint.redact import redact
from godockerlint.settings import Settings

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
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "checkstyle"])
def test_no_format_prints_a_secret(dockerfile: Path, fmt: str):
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "--format", fmt, str(dockerfile)],
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert "GDL501" in out
    for secret in SECRETS:
        assert secret not in out, f"{fmt} output shows {secret[:4]}..."


def test_json_report_masks_the_credentials(dockerfile: Path):
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "--format", "json", "--select", "GDL501",
                           str(dockerfile)], capture_output=True, text=True)
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

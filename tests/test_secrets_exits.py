"""Every credential form, through every exit: one redaction, applied where text leaves the program.

Round 2 of the secret review: forms the first redaction missed (a token alone in a URL's user
part, `TOKEN:@`, a password holding an `@`, scheme-less `user:pw@host`, an unquoted insteadOf
rule, secret-named ARG/ENV the name list missed, the legacy `ENV NAME value` form, an AWS key
pair, .netrc passwords), and exits it did not cover (SARIF `insertedContent`, --diff context
lines, fix warnings, baseline files, config errors, GDL001 messages). Each raw value below
must appear in no output, and GDL501 must report each line that writes one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from godockerlint.lint.engine import lint_bytes
from godockerlint.core.redact import redact
from godockerlint.core.settings import Settings

# (Dockerfile line, the raw secret values it holds)
FORMS = [
    ("ARG GOPROXY=https://s3cr3tT0ken1234@proxy.corp,direct", ["s3cr3tT0ken1234"]),
    ("RUN git clone https://Tok9secretAbc:x-oauth-basic@github.com/acme/lib.git /lib", ["Tok9secretAbc"]),
    ("ENV GOPRIVATE_PROXY=https://Tk2emptyPw:@proxy.corp", ["Tk2emptyPw"]),
    ("ARG GONOPROXY_URL=https://builder:p@ssW0rd99@goproxy.corp,direct", ["p@ssW0rd99", "ssW0rd99"]),
    ("ENV GOPROXY=builder:plainPw77@goproxy.corp.example.com,direct", ["plainPw77"]),
    ("RUN git config --global url.https://InsteadTok55@github.com/.insteadOf https://github.com/",
     ["InsteadTok55"]),
    ("ENV API_KEY=apikeyval1 SECRET=secretval2 DB_PASS=passval3", ["apikeyval1", "secretval2", "passval3"]),
    ("ARG CREDENTIALS=credval4", ["credval4"]),
    ("ARG PRIVATE_KEY=privval5", ["privval5"]),
    ("ENV github_pat=patval6", ["patval6"]),
    ("ENV GITHUB_TOKEN legacyval7", ["legacyval7"]),
    ("ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]),
    ("RUN aws configure set aws_access_key_id AKIAI44QH8DHBEXAMPLE && "
     "aws configure set aws_secret_access_key je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
     ["AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"]),
    ('RUN echo "machine github.com login bot password netrcPw88" > /root/.netrc', ["netrcPw88"]),
    ("RUN cat > /root/.netrc <<EOF\nmachine github.com\nlogin bot\npassword heredocPw99\nEOF", ["heredocPw99"]),
]
RAW = [s for _, secrets in FORMS for s in secrets]


def _dockerfile() -> str:
    """A single-stage build (GDL401's split fix copies its lines into SARIF and the diff)."""
    body = "\n".join(line for line, _ in FORMS)
    return (f"FROM golang:1.25\n{body}\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n"
            'CMD ["/out/app"]\n')


def _run(args, cwd, **kw):
    proc = subprocess.run([sys.executable, "-m", "godockerlint", *args], capture_output=True, text=True,
                          cwd=cwd, **kw)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc


def _leaks(text: str) -> list[str]:
    return [s for s in RAW if s in text]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(_dockerfile())
    return tmp_path


def test_gdl501_reports_every_line_that_writes_a_credential():
    text = _dockerfile()
    found = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None)
    lines = {f.line for f in found if f.code == "GDL501"}
    n = 2
    missing = []
    for line, _ in FORMS:
        if n not in lines:
            missing.append(line.split("\n")[0])
        n += line.count("\n") + 1
    assert missing == []


# The legacy `ENV NAME value` form: only the parsed ENV says which word is the value, so it is
# masked through the file's secret values (test_no_exit_prints_a_credential), not by shape.
BY_SHAPE = [(line, secrets) for line, secrets in FORMS if not line.startswith("ENV GITHUB_TOKEN ")]


@pytest.mark.parametrize("line,secrets", BY_SHAPE, ids=[s[0] for _, s in BY_SHAPE])
def test_redact_masks_each_form_without_being_told_the_value(line, secrets):
    shown = redact(line)
    assert [s for s in secrets if s in shown] == []
    assert "FROM" not in shown and shown.split()[0] == line.split()[0]  # the rest of the text is kept


def test_redact_keeps_what_is_not_a_credential():
    for text in ("ssh://git@github.com/acme/x.git", "git@github.com:acme/x.git", "https://proxy.golang.org,direct",
                 "FROM golang:1.25@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                 "go install golang.org/x/tools/gopls@v0.16.1", "USER 1000:1000",
                 "https://proxy.golang.org,https://goproxy.cn,direct", "a password is needed",
                 "0123456789abcdef0123456789abcdef01234567",  # a git commit hash
                 "git clone https://john@bitbucket.org/team/repo.git"):  # an account name, no password
        assert redact(text) == text


@pytest.mark.parametrize("args", [
    ["--format", "sarif"], ["--format", "sarif", "--unsafe-fixes", "--diff"],
    ["--diff", "--unsafe-fixes"], ["--diff"],
    ["--fix", "--unsafe-fixes", "--format", "json", "--statistics"],
    ["--format", "text", "--output", "sarif=r.sarif", "--output", "json=r.json", "--output", "gitlab=r.gl",
     "--output", "checkstyle=r.xml", "--output", "github=r.gh"],
    ["--write-baseline", "baseline.json"],
])
def test_no_exit_prints_a_credential(project: Path, args):
    original = (project / "Dockerfile").read_text()
    proc = _run([*args, "Dockerfile"], project)
    out = proc.stdout + proc.stderr
    for p in project.iterdir():
        if p.is_file() and p.name != "Dockerfile":
            out += p.read_text()
    assert "GDL" in out or out.startswith("---")
    assert _leaks(out) == []
    if "--fix" in args:  # the file itself is written as it is
        assert "s3cr3tT0ken1234" in (project / "Dockerfile").read_text()
    else:
        assert (project / "Dockerfile").read_text() == original


def test_sarif_inserted_content_is_masked_but_still_a_fix(project: Path):
    # the split is offered only when every RUN of the stage is proven harmless for the final image
    # (prove or refuse): the ARG/ENV forms, which the build stage carries, make its inserted text
    settings_only = "\n".join(line for line, _ in FORMS if line.startswith(("ARG", "ENV")))
    (project / "Dockerfile").write_text(f"FROM golang:1.25\n{settings_only}\nWORKDIR /src\nCOPY . .\n"
                                        'RUN go build -o /out/app .\nCMD ["/out/app"]\n')
    proc = _run(["--format", "sarif", "Dockerfile"], project)
    doc = json.loads(proc.stdout)
    inserted = [r["insertedContent"]["text"] for res in doc["runs"][0]["results"] for fx in res.get("fixes", [])
                for ch in fx["artifactChanges"] for r in ch["replacements"]]
    assert inserted and any("****" in t for t in inserted)  # the split fix does carry the stage's lines
    assert _leaks("".join(inserted)) == []


def test_a_config_error_does_not_quote_a_credential(tmp_path: Path):
    (tmp_path / ".godockerlint.yaml").write_text("goproxy: htp://user:cfgSecret123@proxy.corp\n")
    (tmp_path / "Dockerfile").write_text("FROM golang:1.25\n")
    proc = _run(["Dockerfile"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("godockerlint: error: ") and proc.stderr.count("\n") == 1
    assert "cfgSecret123" not in proc.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "checkstyle"])
def test_an_unknown_instruction_does_not_quote_a_credential(tmp_path: Path, fmt: str):
    # a lost continuation: the second line is taken as an instruction
    (tmp_path / "Dockerfile").write_text("FROM golang:1.25\nRUN go build -o /app .\n"
                                         "GITHUB_TOKEN=unkTok4567 go mod download\n")
    proc = _run(["--format", fmt, "Dockerfile"], tmp_path)
    assert proc.returncode == 1
    assert "GDL001" in proc.stdout or "parse-error" in proc.stdout
    assert "unkTok4567" not in proc.stdout + proc.stderr


def test_a_run_split_among_processes_masks_as_a_serial_one(tmp_path: Path):
    """Past 64 files the process pool lints: its results carry each file's secret values too."""
    import os

    (tmp_path / ".git").mkdir()
    for i in range(70):
        (tmp_path / f"svc{i:02d}").mkdir()
        (tmp_path / f"svc{i:02d}" / "Dockerfile").write_text(_dockerfile())
    proc = _run(["--format", "sarif", "."], tmp_path, env={**os.environ, "GODOCKERLINT_JOBS": "2"})
    assert proc.returncode == 1
    assert len(json.loads(proc.stdout)["runs"][0]["results"]) > 70
    assert _leaks(proc.stdout + proc.stderr) == []


def test_gdl501_leaves_account_names_and_public_users_alone():
    text = ("FROM golang:1.25\n"
            "RUN git clone https://john@bitbucket.org/team/repo.git /src\n"
            "RUN git clone ssh://git@github.com/acme/lib.git /lib\n"
            "ENV GOPROXY=https://proxy.golang.org,direct GOFLAGS=-mod=mod PWD_HINT=none\n")
    found = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None)
    assert [f for f in found if f.code == "GDL501"] == []

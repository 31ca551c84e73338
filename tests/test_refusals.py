"""Prove or refuse, over every fixture: a finding of a rule that can fix (`--list-rules` FIX not
`none`) either carries a fix or says in its message why none is offered ("... (no fix: <why>)").

Every Dockerfile under fixtures/ (rules bad and good, corpus, projects, fix, e2e) is linted as
written and again after `godockerlint --fix --unsafe-fixes`, in a temporary copy: each folder is
its own build context (a rule case's `_git/` becomes `.git/`, a project with a `target` is fixed
and linted with it). The pattern and the reading of the reason are the e2e corpus's
(tests/e2e/e2elib/projects.py: REFUSAL_RE, refused, refusal_reason), so this test and
test_projects.py::test_refused_fixes_say_why agree.

Also here: the named non-root USER gap of the cache-mount fixes (a mount without uid/gid that go
cannot write, GDL205) is refused, not written, even with `--select`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "e2e"))
from e2elib import projects  # noqa: E402  (REFUSAL_RE, refused, refusal_reason: one pattern for both suites)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KINDS = {"corpus", "rules", "e2e", "fix", "projects"}


def godockerlint(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "godockerlint", "--no-color", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    return proc


def findings_json(*args, cwd) -> list[dict]:
    return json.loads(godockerlint("--format", "json", *args, cwd=cwd).stdout)


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """{"as written" | "after --fix --unsafe-fixes": [finding as JSON, "file" relative to fixtures/]}."""
    out = {}
    for state in ("as written", "after --fix --unsafe-fixes"):
        base = tmp_path_factory.mktemp("refusals")
        (base / ".git").mkdir()  # no config from above
        work = base / "fixtures"
        shutil.copytree(FIXTURES, work, symlinks=True)
        for git in sorted((work / "rules").glob("*/*/*/_git")):
            git.rename(git.parent / ".git")
        targeted = base / "targeted"
        targets = {}
        for yaml in sorted((work / "projects").glob("*/project.yaml")):
            target = projects.load(yaml.parent.name).target
            if target:  # fixed and linted as the e2e corpus builds it: with --target
                targeted.mkdir(exist_ok=True)
                targets[yaml.parent.name] = target
                shutil.move(str(yaml.parent), str(targeted / yaml.parent.name))
        fix = state != "as written"
        if fix:
            godockerlint("--fix", "--unsafe-fixes", "--quiet", ".", cwd=work)
        found = findings_json(".", cwd=work)
        for name, target in targets.items():
            context = targeted / name
            args = ("--context", ".", "--target", target, "Dockerfile")
            if fix:
                godockerlint("--fix", "--unsafe-fixes", "--quiet", *args, cwd=context)
            found += [dict(f, file=f"projects/{name}/{f['file']}") for f in findings_json(*args, cwd=context)]
        out[state] = found
    return out


def test_every_kind_of_fixture_is_linted(trees):
    for state, found in trees.items():
        assert {f["file"].split("/")[0] for f in found} == KINDS, state
        assert any(f["file"].startswith("projects/relay-distroless-stage/") for f in found), state  # --target


@pytest.mark.parametrize("state", ["as written", "after --fix --unsafe-fixes"])
def test_no_refused_fix_is_silent(trees, state):
    found = trees[state]
    refused = projects.refused(found)
    assert len(refused) > 100, "the fixtures show refusals of many rules: is the JSON read right?"
    silent = [f"{f['file']}:{f['line']} {f['code']} {f['message']}" for f in refused
              if projects.refusal_reason(f) is None]
    assert not silent, (f"{state}: findings of rules that can fix, with no fix and no reason (pattern "
                        f"{projects.REFUSAL_RE.pattern!r}):\n  " + "\n  ".join(silent))


def test_the_reason_is_the_clause_after_no_fix():
    """What the e2e table counts as the reason (refusal_reason) is the one clause after the marker."""
    message = ("stage 'build' compiles Go with CGO off ...; use `FROM --platform=$BUILDPLATFORM` and "
               "GOOS=$TARGETOS GOARCH=$TARGETARCH (no fix: the stage is built on stage 'base'; pin that stage's "
               "FROM instead)")
    assert projects.refusal_reason({"message": message}) == "the stage is built on stage 'base'"
    assert projects.refusal_reason({"message": "add `ARG GOPROXY` before this RUN"}) is None


# -- a named non-root USER: no cache mount without its uid/gid ---------------------------------------

def _case(tmp_path: Path, code: str, case: str) -> Path:
    dest = tmp_path / case
    (tmp_path / ".git").mkdir()
    shutil.copytree(FIXTURES / "rules" / code / "bad" / case, dest,
                    ignore=shutil.ignore_patterns("expected", "messages", "fixed", "cli-fixed", "still-triggers"))
    return dest / "Dockerfile"


@pytest.mark.parametrize("code, user", [("GDL202", "builder"), ("GDL203", "gopher")])
def test_select_fix_leaves_a_named_user_file_unchanged_and_says_why(tmp_path, code, user):
    dockerfile = _case(tmp_path, code, "named-user")
    before = dockerfile.read_bytes()
    proc = godockerlint("--select", code, "--fix", "--unsafe-fixes", str(dockerfile), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert dockerfile.read_bytes() == before
    lines = [line for line in proc.stdout.splitlines() if f" {code} " in line]
    assert len(lines) == 1, proc.stdout
    assert lines[0].endswith(f"(no fix: USER {user} is not numeric, so the mount's uid/gid are unknown)"), lines[0]


def test_gdl201_bind_form_is_not_used_for_a_named_user(tmp_path):
    """A file that uses RUN --mount gets the bind-mount dependency step, whose cache mount would
    need the uid/gid of USER app: the COPY form is written instead, and nothing GDL205 flags."""
    (tmp_path / ".git").mkdir()
    ctx = tmp_path / "ledger"
    ctx.mkdir()
    (ctx / "go.mod").write_text("module github.com/acme/ledger\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n")
    (ctx / "go.sum").write_text("github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
                                "github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n")
    (ctx / "main.go").write_text('package main\n\nimport "github.com/google/uuid"\n\nfunc main() { println(uuid.NewString()) }\n')
    dockerfile = ctx / "Dockerfile"
    dockerfile.write_text(
        "FROM golang:1.22-bookworm AS build\n"
        "RUN useradd --create-home app\n"
        "USER app\n"
        "WORKDIR /home/app/src\n"
        "COPY --chown=app . .\n"
        "RUN --mount=type=secret,id=netrc,target=/home/app/.netrc go build -o /home/app/bin/ledger .\n"
        "\n"
        "FROM gcr.io/distroless/static-debian12:nonroot\n"
        "COPY --from=build /home/app/bin/ledger /ledger\n"
        'ENTRYPOINT ["/ledger"]\n')
    godockerlint("--select", "GDL201", "--fix", "--unsafe-fixes", str(dockerfile), cwd=tmp_path)
    text = dockerfile.read_text()
    assert "go mod download" in text and "type=cache" not in text, text
    assert [f["code"] for f in findings_json("--select", "GDL201,GDL205", str(dockerfile), cwd=tmp_path)] == []

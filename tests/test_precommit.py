"""The pre-commit hooks, run by the real `pre-commit try-repo` against this repository (its
working tree) in a temporary git repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from godockerlint.lint.discovery import is_dockerfile_name

REPO = Path(__file__).resolve().parent.parent
HOOKS = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())

# Only GDL101 runs in the test repository, so the outcome does not depend on other rules.
MISSING_GOPROXY = """\
FROM golang:1.25 AS build
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
MSG_101 = ("svc/Dockerfile:6:5: GDL101 warning: stage 'build' runs `go mod download` without `ARG GOPROXY`: "
           "--build-arg GOPROXY=... cannot reach go; declare `ARG GOPROXY` before this RUN")


def test_the_hooks_are_declared():
    assert [(h["id"], h["entry"], h["language"]) for h in HOOKS] == [
        ("godockerlint", "godockerlint", "python"),
        ("godockerlint-fix", "godockerlint --fix", "python"),
    ]


@pytest.mark.parametrize("path", [
    "Dockerfile", "a/b/Dockerfile", "Dockerfile.prod", "x/Dockerfile.dev", "api.Dockerfile", "api.dockerfile",
    "deep/dir/web.Dockerfile", "Containerfile", "c/Containerfile.arm64",
    "README.md", "Dockerfiles/readme.md", "xDockerfile", "Dockerfile/notes.txt", "Dockerfile.dockerignore",
    "a/app.Dockerfile.dockerignore", "docs/Dockerfile.md.bak", "dockerfile",
])
def test_files_pattern_matches_what_the_folder_search_lints(path):
    for hook in HOOKS:
        selected = bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)
        assert selected == is_dockerfile_name(path.rsplit("/", 1)[-1]), (hook["id"], path)


GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.fail("git is needed to run pre-commit")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    """This repository's working tree (tracked and untracked files, .gitignore respected) committed
    in a fresh git repository: what try-repo installs is exactly the code under test.
    (`try-repo` on a dirty checkout would take modified tracked files but leave new ones out.)"""
    dest = tmp_path_factory.mktemp("godockerlint-snapshot")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, capture_output=True, env=GIT_ENV).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file() and not name.startswith("tests/e2e/"):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=GIT_ENV)
    return dest


@pytest.fixture
def project(tmp_path, pre_commit_home, snapshot):
    env = {**GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=env)
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(MISSING_GOPROXY)
    (tmp_path / "svc" / "go.mod").write_text("module example.com/svc\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n")
    (tmp_path / ".godockerlint.yaml").write_text("select: [GDL101]\n")
    (tmp_path / "README.md").write_text("not a Dockerfile\n")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True, env=env)
    return tmp_path, env, snapshot


def try_repo(project, hook):
    folder, env, repo = project
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, "--all-files", "--color", "never"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=900,
    )


@pytest.mark.slow
def test_lint_hook_reports_findings_and_fails(project):
    proc = try_repo(project, "godockerlint")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(r"^godockerlint\.+Failed$", out, re.M), out
    assert "- hook id: godockerlint\n- exit code: 1\n" in out
    assert MSG_101 + "\nFound 1 problem (1 warning).\n" in out
    assert (project[0] / "svc" / "Dockerfile").read_text() == MISSING_GOPROXY  # the lint hook writes nothing


@pytest.mark.slow
def test_fix_hook_fixes_then_passes(project):
    first = try_repo(project, "godockerlint-fix")
    assert first.returncode == 1, first.stdout + first.stderr
    assert re.search(r"^godockerlint \(fix\)\.+Failed$", first.stdout, re.M), first.stdout
    assert "- files were modified by this hook" in first.stdout
    fixed = (project[0] / "svc" / "Dockerfile").read_text()
    assert fixed != MISSING_GOPROXY and "ARG GOPROXY" in fixed
    second = try_repo(project, "godockerlint-fix")
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"^godockerlint \(fix\)\.+Passed$", second.stdout, re.M), second.stdout
    assert (project[0] / "svc" / "Dockerfile").read_text() == fixed
    # and the lint hook agrees
    assert try_repo(project, "godockerlint").returncode == 0

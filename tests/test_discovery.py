"""Which files a run lints: directory discovery, name patterns, skipped folders, missing paths."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli
from godockerlint.lint.discovery import collect_targets, is_dockerfile_name

# A Dockerfile that triggers GDL101 (goproxy-arg-missing) once, at line 2.
GO_DOCKERFILE = "FROM golang:1.25\nRUN --mount=type=bind,source=go.mod,target=go.mod go build -o /app .\n"
MSG_101 = (
    "stage #0 runs `go build` without `ARG GOPROXY`: --build-arg GOPROXY=... cannot reach go; "
    "declare `ARG GOPROXY` before this RUN"
)


def run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


def linted_files(result) -> list[str]:
    return sorted({f["file"] for f in json.loads(result.stdout)})


@pytest.mark.parametrize(
    "name",
    ["Dockerfile", "Dockerfile.dev", "Dockerfile.prod.arm64", "api.Dockerfile", "api.dockerfile",
     "Containerfile", "Containerfile.ci"],
)
def test_dockerfile_names(name):
    assert is_dockerfile_name(name)


@pytest.mark.parametrize(
    "name",
    ["dockerfile", "Dockerfile.dockerignore", "api.Dockerfile.dockerignore", "Dockerfiles", "Makefile",
     "docker-compose.yml", "Dockerfile_old", "README.Dockerfile.md"],
)
def test_not_dockerfile_names(name):
    assert not is_dockerfile_name(name)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    files = [
        "Dockerfile",
        "Containerfile",
        "build/ci.Dockerfile",
        "build/Dockerfile.release",
        "svc/a/b/api.dockerfile",
        "vendor/github.com/x/y/Dockerfile",
        "svc/vendor/Dockerfile",
        "node_modules/pkg/Dockerfile",
        ".git/Dockerfile",
        "docs/Dockerfile.dockerignore",
        "docs/README.md",
    ]
    for rel in files:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(GO_DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


EXPECTED = [
    "Containerfile",
    "Dockerfile",
    "build/Dockerfile.release",
    "build/ci.Dockerfile",
    "svc/a/b/api.dockerfile",
]


def test_no_path_means_current_folder(tree):
    result = run(["--format", "json", "--select", "GDL101"])
    assert result.exit_code == 1
    assert linted_files(result) == EXPECTED


def test_directory_argument_recurses_and_skips(tree):
    result = run(["--format", "json", "--select", "GDL101", "."])
    assert linted_files(result) == EXPECTED
    result = run(["--format", "json", "--select", "GDL101", "svc"])
    assert linted_files(result) == ["svc/a/b/api.dockerfile"]


def test_discovery_order_is_sorted_and_deterministic(tree):
    targets, errors = collect_targets(["."])
    assert errors == []
    assert [t.display for t in targets] == EXPECTED


def test_text_report_lists_files_in_order(tree):
    result = run(["--select", "GDL101", "--no-color"])
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == EXPECTED
    assert result.stdout.splitlines()[-1] == "Found 5 problems (5 warnings)."


def test_explicit_file_in_skipped_folder_is_linted(tree):
    result = run(["--format", "json", "--select", "GDL101", "vendor/github.com/x/y/Dockerfile"])
    assert linted_files(result) == ["vendor/github.com/x/y/Dockerfile"]


def test_explicit_file_with_any_name_is_linted(tree):
    (tree / "docs" / "build.txt").write_text(GO_DOCKERFILE)
    result = run(["--format", "json", "--select", "GDL101", "docs/build.txt"])
    assert linted_files(result) == ["docs/build.txt"]


def test_a_file_given_twice_is_linted_once(tree):
    result = run(["--format", "json", "--select", "GDL101", "Dockerfile", ".", "./Dockerfile"])
    files = [f["file"] for f in json.loads(result.stdout)]
    assert files.count("Dockerfile") == 1


def test_missing_path_is_an_error_but_others_are_linted(tree):
    result = run(["--select", "GDL101", "--no-color", "nope", "Dockerfile"])
    assert result.exit_code == 2
    assert result.stderr == "godockerlint: error: nope: no such file or directory\n"
    assert result.stdout.splitlines() == [
        "Dockerfile:2:51: GDL101 warning: " + MSG_101,
        "Found 1 problem (1 warning); 1 file could not be linted.",
    ]


def test_folder_without_dockerfiles(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.go").write_text("package main\n")
    result = run([])
    assert result.exit_code == 0
    assert result.stdout == "All checks passed.\n"
    assert result.stderr == "godockerlint: warning: no Dockerfiles found in .\n"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_folders_are_not_followed(tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "Dockerfile").write_text(GO_DOCKERFILE)
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert [t.display for t in collect_targets(["."])[0]] == ["real/Dockerfile"]

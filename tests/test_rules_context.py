"""Context-aware rules read the build context (go.mod, .dockerignore, sources...) and stay silent without one."""

from __future__ import annotations

from godockerlint.engine import lint_bytes
from godockerlint.settings import Settings


def codes_without_context(text: str) -> list[str]:
    found = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None)
    assert found.errors == []
    return [f.code for f in found]


def codes_with_context(text: str, context) -> list[str]:
    found = lint_bytes(text.encode(), str(context / "Dockerfile"), Settings(), context_dir=context)
    assert found.errors == []
    return [f.code for f in found]


WHOLE_CONTEXT_COPY = """\
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/app .
"""


def test_gdl209_silent_without_context():
    assert "GDL209" not in codes_without_context(WHOLE_CONTEXT_COPY)


def test_gdl209_with_and_without_git_excluded(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.25\n")
    (tmp_path / ".git").mkdir()
    assert "GDL209" in codes_with_context(WHOLE_CONTEXT_COPY, tmp_path)
    (tmp_path / ".dockerignore").write_text(".git\n")
    assert "GDL209" not in codes_with_context(WHOLE_CONTEXT_COPY, tmp_path)

"""Context-aware rules read the build context (go.mod, .dockerignore, sources...) and stay silent without one."""

from __future__ import annotations

from godockerlint.lint.engine import lint_bytes
from godockerlint.core.settings import Settings


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


UNPINNED_GO_IMAGE = """\
FROM golang:alpine AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
"""


def test_gdl502_fix_pins_the_newest_release_never_below_go_mod(tmp_path):
    """GDL502 reports an unpinned Go image either way; with a build context it pins the newest Go release
    it knows (an untagged image follows the newest release: pinning to go.mod's older minimum would
    downgrade), and never below what go.mod asks for."""
    from godockerlint.analysis.goversion import CURRENT

    bare = [f for f in lint_bytes(UNPINNED_GO_IMAGE.encode(), "Dockerfile", Settings(), context_dir=None)
            if f.code == "GDL502"]
    assert len(bare) == 1 and bare[0].fix is None
    newest = f"{CURRENT[0]}.{CURRENT[1]}"
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.23.4\n")
    found = [f for f in lint_bytes(UNPINNED_GO_IMAGE.encode(), str(tmp_path / "Dockerfile"), Settings(),
                                   context_dir=tmp_path) if f.code == "GDL502"]
    assert len(found) == 1 and found[0].fix is not None
    assert f"pin golang:{newest}-alpine (the newest Go release godockerlint knows; go.mod asks for at least " \
           f"go 1.23.4)" in found[0].message
    assert any(e.text == f"ARG GO_VERSION={newest}\n" for e in found[0].fix.edits)
    # a go.mod newer than every release the table knows: its own version
    (tmp_path / "go.mod").write_text(f"module example.com/app\n\ngo 1.{CURRENT[1] + 1}.2\n")
    found = [f for f in lint_bytes(UNPINNED_GO_IMAGE.encode(), str(tmp_path / "Dockerfile"), Settings(),
                                   context_dir=tmp_path) if f.code == "GDL502"]
    assert any(e.text == f"ARG GO_VERSION=1.{CURRENT[1] + 1}\n" for e in found[0].fix.edits)


GO_FILES_ONLY = """\
FROM golang:1.25 AS build
WORKDIR /src
COPY *.go ./
RUN go build -o /out/app .
"""


def test_gdl210_silent_without_context():
    assert "GDL210" not in codes_without_context(GO_FILES_ONLY)


def test_gdl210_with_and_without_a_go_mod_in_the_context(tmp_path):
    def messages():
        found = lint_bytes(GO_FILES_ONLY.encode(), str(tmp_path / "Dockerfile"), Settings(), context_dir=tmp_path)
        return [f.message for f in found if f.code == "GDL210"]

    assert messages() == []  # a folder without Go sources: not the real context, nothing to say
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    # Go sources, no go.mod: a GOPATH tree, which Go 1.25 builds in module mode only
    assert ["the build context has no go.mod" in m for m in messages()] == [True]
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.25\n")
    assert ["go.mod was never copied" in m for m in messages()] == [True]


CGO_DEFAULT_ON_STATIC = """\
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
"""


def test_gdl301_silent_without_context():
    assert "GDL301" not in codes_without_context(CGO_DEFAULT_ON_STATIC)


def test_gdl301_fix_is_unsafe_for_a_cgo_dependency(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.25\n\nrequire github.com/mattn/go-sqlite3 v1.14.24\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    found = lint_bytes(CGO_DEFAULT_ON_STATIC.encode(), "Dockerfile", Settings(), context_dir=tmp_path)
    [finding] = [f for f in found if f.code == "GDL301"]
    assert finding.fix.applicability == "unsafe" and "go-sqlite3" in finding.fix.message


ALPINE_COPY_ALL = """\
FROM golang:1.25-alpine AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
"""


def test_gdl304_silent_without_context():
    assert "GDL304" not in codes_without_context(ALPINE_COPY_ALL)


def test_gdl304_needs_a_git_folder_in_the_context(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.25\n")
    assert "GDL304" not in codes_with_context(ALPINE_COPY_ALL, tmp_path)
    (tmp_path / ".git").mkdir()
    assert "GDL304" in codes_with_context(ALPINE_COPY_ALL, tmp_path)

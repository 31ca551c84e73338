"""Context-aware module download rules (GDL107, GDL108, GDL109): they read the build context and stay
silent without one. (Kept apart from tests/test_rules_context.py, which other rule batches extend.)"""

from __future__ import annotations

from godockerlint.lint.engine import lint_bytes
from godockerlint.core.settings import Settings

GO_MOD = "module example.com/app\n\ngo 1.25\n\nrequire github.com/google/uuid v1.6.0\n"
GO_SUM = ("github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
          "github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n")


def codes(text: str, context=None) -> list[str]:
    path = str(context / "Dockerfile") if context is not None else "Dockerfile"
    found = lint_bytes(text.encode(), path, Settings(), context_dir=context)
    assert found.errors == []
    return [f.code for f in found]


def module(tmp_path, go_mod: str = GO_MOD):
    (tmp_path / "go.mod").write_text(go_mod)
    (tmp_path / "go.sum").write_text(GO_SUM)
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    return tmp_path


DOWNLOAD_THEN_BUILD = """\
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/app .
"""


def test_gdl107_silent_without_context():
    assert "GDL107" not in codes(DOWNLOAD_THEN_BUILD)


def test_gdl107_needs_vendor_modules_txt(tmp_path):
    ctx = module(tmp_path)
    assert "GDL107" not in codes(DOWNLOAD_THEN_BUILD, ctx)
    (ctx / "vendor").mkdir()
    (ctx / "vendor" / "modules.txt").write_text("# github.com/google/uuid v1.6.0\n## explicit\ngithub.com/google/uuid\n")
    assert "GDL107" in codes(DOWNLOAD_THEN_BUILD, ctx)


def test_gdl108_silent_without_context():
    assert "GDL108" not in codes(DOWNLOAD_THEN_BUILD)


def test_gdl108_needs_go_work_that_is_not_ignored(tmp_path):
    ctx = module(tmp_path)
    assert "GDL108" not in codes(DOWNLOAD_THEN_BUILD, ctx)
    (ctx / "go.work").write_text("go 1.25\n\nuse .\n")
    assert "GDL108" in codes(DOWNLOAD_THEN_BUILD, ctx)
    (ctx / ".dockerignore").write_text("go.work\n")
    assert "GDL108" not in codes(DOWNLOAD_THEN_BUILD, ctx)


OLD_BUILDER = """\
FROM golang:1.24 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
"""


def test_gdl109_silent_without_context():
    assert "GDL109" not in codes(OLD_BUILDER)


def test_gdl109_compares_go_mod_with_the_image_tag(tmp_path):
    ctx = module(tmp_path)  # go 1.25
    assert "GDL109" in codes(OLD_BUILDER, ctx)
    (ctx / "go.mod").write_text(GO_MOD.replace("go 1.25", "go 1.24.5"))
    assert "GDL109" not in codes(OLD_BUILDER, ctx)  # golang:1.24 floats to the newest 1.24.x


def test_gdl110_config_private_globs_match_go_mod_requirements(tmp_path):
    from godockerlint.core.settings import Settings

    ctx = module(tmp_path, GO_MOD.replace("github.com/google/uuid v1.6.0", "github.com/example-corp/lib v0.3.1"))
    text = DOWNLOAD_THEN_BUILD
    plain = lint_bytes(text.encode(), str(ctx / "Dockerfile"), Settings(), context_dir=ctx)
    assert "GDL110" not in [f.code for f in plain]
    private = Settings(private=("github.com/example-corp",))
    found = [f for f in lint_bytes(text.encode(), str(ctx / "Dockerfile"), private, context_dir=ctx)
             if f.code == "GDL110"]
    assert [(f.line, f.column) for f in found] == [(4, 5)]
    assert "github.com/example-corp/lib" in found[0].message
    other = Settings(private=("github.com/other-corp/*",))
    assert "GDL110" not in [f.code for f in lint_bytes(text.encode(), "Dockerfile", other, context_dir=ctx)]
    # without a build context there is no go.mod to match the globs against
    assert "GDL110" not in [f.code for f in lint_bytes(text.encode(), "Dockerfile", private, context_dir=None)]

"""Rules whose behaviour follows a setting (ci-cache, syntax): both sides of each setting."""

from __future__ import annotations

from dataclasses import replace

from godockerlint.engine import lint_bytes
from godockerlint.fixer import apply_edits
from godockerlint.settings import Settings


def findings(text: str, code: str, **settings):
    found = lint_bytes(text.encode(), "Dockerfile", replace(Settings(), **settings), context_dir=None)
    assert found.errors == []
    return [f for f in found if f.code == code]


def fixed(text: str, code: str, **settings) -> str:
    return apply_edits(text, [e for f in findings(text, code, **settings) if f.fix for e in f.fix.edits])


DEAD_MODCACHE_ON_DEPENDENCY_STEP = """\
FROM golang:1.25 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
"""


def test_gdl204_persistent_retargets_the_module_cache_mount():
    assert fixed(DEAD_MODCACHE_ON_DEPENDENCY_STEP, "GDL204") == DEAD_MODCACHE_ON_DEPENDENCY_STEP.replace(
        "target=/root/go/pkg/mod", "target=/go/pkg/mod")


def test_gdl204_ephemeral_removes_the_module_cache_mount():
    got = fixed(DEAD_MODCACHE_ON_DEPENDENCY_STEP, "GDL204", ci_cache="ephemeral")
    assert got == DEAD_MODCACHE_ON_DEPENDENCY_STEP.replace(" --mount=type=cache,target=/root/go/pkg/mod", "")
    assert findings(got, "GDL204", ci_cache="ephemeral") == []
    assert findings(got, "GDL202", ci_cache="ephemeral") == []


WHOLE_CONTEXT_DOWNLOAD = """\
FROM golang:1.25 AS build
WORKDIR /src
RUN --mount=type=bind,target=. \\
    go mod download
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/app .
"""


def test_gdl206_persistent_binds_exactly_go_mod_and_go_sum():
    assert fixed(WHOLE_CONTEXT_DOWNLOAD, "GDL206") == WHOLE_CONTEXT_DOWNLOAD.replace(
        "--mount=type=bind,target=.",
        "--mount=type=bind,source=go.mod,target=go.mod --mount=type=bind,source=go.sum,target=go.sum")


def test_gdl206_ephemeral_copies_go_mod_and_go_sum_into_a_layer():
    got = fixed(WHOLE_CONTEXT_DOWNLOAD, "GDL206", ci_cache="ephemeral")
    assert got == WHOLE_CONTEXT_DOWNLOAD.replace(
        "RUN --mount=type=bind,target=. \\\n", "COPY go.mod go.sum ./\nRUN \\\n")
    assert findings(got, "GDL206", ci_cache="ephemeral") == []
    assert findings(got, "GDL201", ci_cache="ephemeral") == []

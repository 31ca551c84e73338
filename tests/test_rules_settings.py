"""Rules whose behaviour follows a setting (ci-cache, syntax): both sides of each setting."""

from __future__ import annotations

from dataclasses import replace

from godockerlint.lint.engine import lint_bytes
from godockerlint.fix.fixer import apply_edits
from godockerlint.core.settings import Settings


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


EXPERIMENTAL = "# syntax=docker/dockerfile:1.0-experimental\nFROM golang:1.25 AS build\nRUN go build -o /app .\n"


def test_gdl208_replaces_with_the_configured_frontend():
    assert fixed(EXPERIMENTAL, "GDL208").startswith("# syntax=docker/dockerfile:1\nFROM")
    assert fixed(EXPERIMENTAL, "GDL208", syntax="mirror.example/docker/dockerfile:1.7").startswith(
        "# syntax=mirror.example/docker/dockerfile:1.7\nFROM")


def test_gdl208_syntax_none_removes_the_line():
    assert fixed(EXPERIMENTAL, "GDL208", syntax="none") == EXPERIMENTAL.split("\n", 1)[1]


def test_gdl208_keeps_crlf():
    text = EXPERIMENTAL.replace("\n", "\r\n")
    assert fixed(text, "GDL208") == "# syntax=docker/dockerfile:1\r\n" + text.split("\r\n", 1)[1]
    assert fixed(text, "GDL208", syntax="none") == text.split("\r\n", 1)[1]


def test_gdl208_labs_feature_keeps_the_labs_channel():
    text = EXPERIMENTAL.replace("RUN go", "RUN --security=insecure go")
    assert fixed(text, "GDL208").startswith("# syntax=docker/dockerfile:1-labs\n")
    [finding] = findings(text, "GDL208", syntax="none")
    assert finding.fix is None and "1-labs" in finding.message


MODCACHE_MOUNTED_BUILD = """\
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod go build -o /out/app .
"""
GDL201_MESSAGE = ("`go build` downloads modules after the sources are copied (line 3) with no dependency step "
                  "before: every source edit re-downloads every module")


def test_gdl201_persistent_module_cache_mount_downloads_nothing_after_a_source_edit():
    assert findings(MODCACHE_MOUNTED_BUILD, "GDL201") == []
    # a mount that misses GOMODCACHE (GDL204's business) keeps no module: reported
    elsewhere = findings(MODCACHE_MOUNTED_BUILD.replace("/go/pkg/mod", "/root/go/pkg/mod"), "GDL201")
    assert [(f.line, f.message.startswith(GDL201_MESSAGE)) for f in elsewhere] == [(4, True)]


def test_gdl201_ephemeral_module_cache_mount_is_empty_on_every_run():
    got = findings(MODCACHE_MOUNTED_BUILD, "GDL201", ci_cache="ephemeral")
    assert [(f.line, f.message.startswith(GDL201_MESSAGE)) for f in got] == [(4, True)]

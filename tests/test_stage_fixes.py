"""Fixes inside build stages on whole realistic files: `--fix` with the build-stage rules only
(GDL1xx, GDL2xx, GDL3xx), the exact fixed text. The final-stage rewrite is not selected: these
tests are about what the fixes write into the build stages (issue: fixes that hold on real
projects, version-aware, merged and placed right).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from godockerlint.fix.fixer import fix_bytes
from godockerlint.core.settings import Settings

SUM = "github.com/pkg/errors v0.9.1 h1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=\n"
MAIN = "package main\n\nfunc main() {}\n"


def gomod(go: str) -> str:
    return f"module example.com/app\n\ngo {go}\n\nrequire github.com/pkg/errors v0.9.1\n"


def fixed(tmp_path: Path, text: str, files: dict[str, str], mode: str = "persistent") -> str:
    (tmp_path / ".git").mkdir(parents=True)
    ctx = tmp_path / "ctx"
    for name, content in files.items():
        (ctx / name).parent.mkdir(parents=True, exist_ok=True)
        (ctx / name).write_text(content)
    ctx.mkdir(exist_ok=True)
    settings = dataclasses.replace(Settings(context=ctx), select=frozenset({"GDL1", "GDL2", "GDL3"}), ci_cache=mode)
    out = fix_bytes(text.encode(), str(ctx / "Dockerfile"), settings, context_dir=ctx)
    assert out.refired == [] and len(out.passes) <= 3
    return out.text


def test_go_1_12_gopath_stage_gets_no_module_or_trimpath_edits(tmp_path):
    """Go 1.12 inside $GOPATH/src is GOPATH mode: no module cache mount, no dependency step, no -trimpath
    (1.13); the build cache mount (1.10) and -s -w inside the existing -ldflags value are fine."""
    text = """\
FROM golang:1.12-alpine AS build
RUN apk add --no-cache git make
WORKDIR /go/src/github.com/acme/relay
COPY . .
RUN go get -d -v ./... && CGO_ENABLED=0 go build -ldflags "-X main.version=1.4.2" -o /bin/relay .

FROM alpine:3.9
COPY --from=build /bin/relay /usr/local/bin/relay
ENTRYPOINT ["relay"]
"""
    assert fixed(tmp_path, text, {"main.go": MAIN}) == text.replace(
        "RUN go get -d -v ./... && CGO_ENABLED=0 go build -ldflags \"-X main.version=1.4.2\"",
        "RUN --mount=type=cache,target=/root/.cache/go-build go get -d -v ./... && "
        "CGO_ENABLED=0 go build -ldflags \"-s -w -X main.version=1.4.2\"")


def test_go_1_9_from_alpine_3_7_gets_no_build_cache_mount(tmp_path):
    text = """\
FROM alpine:3.7 AS build
RUN apk add --no-cache go musl-dev
ENV GOPATH=/go
WORKDIR /go/src/github.com/acme/agent
COPY . .
RUN go build -o /usr/bin/agent .

FROM alpine:3.7
COPY --from=build /usr/bin/agent /usr/bin/agent
USER 65534
ENTRYPOINT ["/usr/bin/agent"]
"""
    assert fixed(tmp_path, text, {"main.go": MAIN}) == text.replace(
        "RUN go build -o", 'RUN go build -ldflags="-s -w" -o')


def test_layer_dependency_step_mount_carried_to_make(tmp_path):
    """Persistent: the module cache mount goes on the download and on the later `make` that runs go;
    ephemeral: the layer step is the recommended layout, nothing to add for GOMODCACHE."""
    text = """\
FROM golang:1.21-bookworm AS build
ARG GOPROXY
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN make build

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/app /app
ENTRYPOINT ["/app"]
"""
    files = {"go.mod": gomod("1.21"), "go.sum": SUM, "main.go": MAIN,
             "Makefile": "build:\n\tCGO_ENABLED=0 go build -o bin/app .\n"}
    assert fixed(tmp_path / "p", text, files) == text.replace(
        "RUN go mod download", "RUN --mount=type=cache,target=/go/pkg/mod go mod download").replace(
        "RUN make build", "RUN --mount=type=cache,target=/go/pkg/mod make build")
    assert fixed(tmp_path / "e", text, files, mode="ephemeral") == text


def test_inline_goproxy_override_becomes_the_arg_default(tmp_path):
    text = """\
FROM golang:1.22 AS build
ARG GOPROXY
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod GOPROXY=https://goproxy.cn,direct go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""
    assert fixed(tmp_path, text, {"go.mod": gomod("1.22"), "go.sum": SUM, "main.go": MAIN}) == text.replace(
        "ARG GOPROXY\n", "ARG GOPROXY=https://goproxy.cn,direct\n").replace(
        "GOPROXY=https://goproxy.cn,direct go mod download", "go mod download")


def test_dependency_step_not_inserted_before_the_toolchain(tmp_path):
    """Go is installed after the sources are copied: a download step before the COPY has no go."""
    text = """\
FROM alpine:3.18 AS build
WORKDIR /build
COPY . .
RUN apk add --no-cache go
ARG GOPROXY
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o exporter .

FROM alpine:3.18
COPY --from=build /build/exporter /usr/bin/exporter
ENTRYPOINT ["/usr/bin/exporter"]
"""
    assert fixed(tmp_path, text, {"go.mod": gomod("1.20"), "go.sum": SUM, "main.go": MAIN}) == text


@pytest.mark.parametrize("ldflags, merged", [
    ('-ldflags "-X main.version=${VERSION}"', '-ldflags "-s -w -X main.version=${VERSION}"'),
    ("-ldflags='-X main.commit=abc'", "-ldflags='-s -w -X main.commit=abc'"),
    ('-ldflags="-w -X main.commit=abc"', '-ldflags="-s -w -X main.commit=abc"'),
    ("-ldflags=-X=main.commit=abc", '-ldflags="-s -w -X=main.commit=abc"'),
])
def test_ldflags_merge_keeps_stamps_and_quotes(tmp_path, ldflags, merged):
    text = f"""\
FROM golang:1.22 AS build
ARG GOPROXY VERSION
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -trimpath {ldflags} -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""
    settings_free = {"main.go": MAIN}  # no go.mod: nothing to download, only the flags change
    assert fixed(tmp_path, text, settings_free) == text.replace(ldflags, merged)

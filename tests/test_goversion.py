"""The per-stage Go version and module mode (godockerlint.analysis.goversion), as the analysis computes them."""

from __future__ import annotations

import pytest

from godockerlint.analysis.facts import Facts
from godockerlint.analysis.buildcontext import BuildContext
from godockerlint.analysis.goversion import CURRENT, RELEASES, GoVersion, newest_release, parse_version
from godockerlint.parse.parser import parse


def stage(text: str, index: int = -1, context=None):
    return Facts(parse(text), context=context).stages[index]


@pytest.mark.parametrize("text, version, source", [
    ("FROM golang:1.12-alpine\nRUN go build .\n", (1, 12), "the golang:1.12-alpine tag"),
    ("FROM golang:1.9.2-windowsservercore\nRUN go build .\n", (1, 9, 2), "the golang:1.9.2-windowsservercore tag"),
    ("FROM docker.io/library/golang:1.6\nRUN go build .\n", (1, 6), "the docker.io/library/golang:1.6 tag"),
    ("ARG GO_VERSION=1.14\nFROM golang:${GO_VERSION}-buster AS build\nRUN go build .\n", (1, 14),
     "the golang:1.14-buster tag (from the ARG default)"),
    ("FROM golang\nRUN go build .\n", None, None),
    ("FROM golang:alpine\nRUN go build .\n", None, None),
    ("FROM golang:latest\nRUN go build .\n", None, None),
    ("FROM alpine:3.4\nRUN apk add --no-cache go git\nRUN go build .\n", (1, 6), "apk add go on alpine 3.4"),
    ("FROM alpine:3.12\nRUN apk update && apk add go musl-dev\n", (1, 13), "apk add go on alpine 3.12"),
    ("FROM alpine:3.19.1\nRUN apk add go\n", (1, 21), "apk add go on alpine 3.19"),
    ("FROM alpine:edge\nRUN apk add go\n", None, None),
    ("FROM alpine\nRUN apk add go\n", None, None),
    ("FROM alpine:3.8\nRUN apk add go=1.10.8-r0\n", (1, 10, 8), "apk add go=1.10.8-r0"),
    ("FROM ubuntu:14.04\nRUN apt-get update && apt-get install -y golang-go git\n", (1, 2),
     "Ubuntu 14.04's golang-go"),
    ("FROM ubuntu:xenial\nRUN apt-get install -y --no-install-recommends golang-go\n", (1, 6),
     "Ubuntu xenial's golang-go"),
    ("FROM debian:stretch-slim\nRUN apt-get update && apt-get install -y golang\n", (1, 7),
     "Debian stretch's golang-go"),
    ("FROM debian:10\nRUN apt-get install -y golang-go\n", (1, 11), "Debian 10's golang-go"),
    ("FROM buildpack-deps:bullseye-scm\nRUN apt-get install -y golang-go\n", (1, 15),
     "Debian bullseye's golang-go"),
    ("FROM debian:bookworm\nRUN apt-get install -y golang-1.21-go\n", (1, 21), "the golang-1.21-go package"),
    ("FROM debian:buster\nRUN apt-get install -y -t buster-backports golang-go\n", None, None),
    ("FROM debian:buster\nARG GO_VERSION=1.13.4\n"
     "RUN curl -fsSL https://dl.google.com/go/go${GO_VERSION}.linux-amd64.tar.gz | tar -C /usr/local -xz\n",
     (1, 13, 4), "the Go 1.13.4 tarball"),
    ("FROM centos:7\nRUN wget -q https://storage.googleapis.com/golang/go1.8.3.linux-amd64.tar.gz\n",
     (1, 8, 3), "the Go 1.8.3 tarball"),
    ("FROM ubuntu:20.04\nENV GO_VERSION 1.15.2\nRUN ./install-go.sh\n", (1, 15, 2), "GO_VERSION=1.15.2"),
    ("FROM debian:bookworm\nRUN apt-get install -y make\n", None, None),
    # a stage built on another inherits its Go
    ("FROM golang:1.10 AS base\nRUN go version\nFROM base AS build\nRUN go build .\n", (1, 10),
     "the golang:1.10 tag"),
])
def test_stage_go_version(text, version, source):
    v = stage(text).go_version
    assert v.version == version
    assert v.source == source
    assert v.effective == (version or CURRENT)


def test_unknown_is_current_and_has_everything():
    v = stage("FROM golang\nRUN go build .\n").go_version
    assert not v.known and str(v) == "current"
    assert v.has_modules and v.has_build_cache and v.has_trimpath and v.has_install_at_version
    assert v.needs("-trimpath") is None


@pytest.mark.parametrize("version, cache, modules, trimpath, at_version, vendor", [
    ((1, 9), False, False, False, False, False),
    ((1, 10), True, False, False, False, False),
    ((1, 11), True, True, False, False, False),
    ((1, 13), True, True, True, False, False),
    ((1, 14), True, True, True, False, True),
    ((1, 16), True, True, True, True, True),
])
def test_capabilities(version, cache, modules, trimpath, at_version, vendor):
    v = GoVersion(version, "test")
    assert (v.has_build_cache, v.has_modules, v.has_trimpath, v.has_install_at_version, v.vendor_by_default) == (
        cache, modules, trimpath, at_version, vendor)


def test_needs_message():
    assert GoVersion((1, 12)).needs("-trimpath") == "needs Go >= 1.13"
    assert GoVersion((1, 9, 2)).needs("build cache") == "needs Go >= 1.10"
    assert GoVersion((1, 15)).needs("go install pkg@version") == "needs Go >= 1.16"
    assert GoVersion((1, 16)).needs("go install pkg@version") is None


def test_release_table_and_pinning():
    assert CURRENT == max(RELEASES) and all(parse_version(v)[:2] == k for k, v in RELEASES.items())
    newest = RELEASES[CURRENT]
    assert newest_release() == newest
    assert newest_release((1, 21)) == newest  # go.mod's go line is a minimum, not a target
    assert newest_release(CURRENT[:1] + (CURRENT[1] + 1,)) == f"1.{CURRENT[1] + 1}"  # newer than the table
    assert parse_version("go1.21.0") == (1, 21, 0) and parse_version("alpine") is None


def ctx_with(tmp_path, gomod: bool):
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    if gomod:
        (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.12\n\nrequire example.com/lib v1.0.0\n")
    return BuildContext(tmp_path)


@pytest.mark.parametrize("text, gomod, mode", [
    # Go < 1.11: no modules whatever is copied
    ("FROM golang:1.10\nWORKDIR /src\nCOPY . .\nRUN go build .\n", True, False),
    ("FROM alpine:3.4\nRUN apk add go\nCOPY go.mod go.sum ./\nRUN go build .\n", True, False),
    # Go 1.11-1.15: go.mod copied (explicitly, or by COPY . . from a context holding one)
    ("FROM golang:1.13\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n", True, True),
    ("FROM golang:1.13\nWORKDIR /src\nCOPY . .\nRUN go build .\n", True, True),
    ("FROM golang:1.13\nWORKDIR /src\nCOPY . .\nRUN go build .\n", False, False),
    ("FROM golang:1.14\nWORKDIR /src\nRUN --mount=type=bind,source=go.mod,target=go.mod go mod download\n", True, True),
    # ... unless GO111MODULE=off; or GO111MODULE=on without go.mod
    ("FROM golang:1.13\nENV GO111MODULE=off\nWORKDIR /src\nCOPY . .\nRUN go build .\n", True, False),
    ("FROM golang:1.13\nENV GO111MODULE=on\nRUN go get github.com/x/y@v1.0.0\n", False, True),
    # Go 1.11/1.12 ignore go.mod inside $GOPATH/src in auto mode
    ("FROM golang:1.12\nWORKDIR /go/src/github.com/acme/app\nCOPY . .\nRUN go build .\n", True, False),
    ("FROM golang:1.13\nWORKDIR /go/src/github.com/acme/app\nCOPY . .\nRUN go build .\n", True, True),
    # on by default from 1.16, and for an unknown (current) Go
    ("FROM golang:1.16\nCOPY main.go .\nRUN go build main.go\n", False, True),
    ("FROM golang\nCOPY . .\nRUN go build .\n", False, True),
    ("FROM golang:1.16\nENV GO111MODULE=off\nRUN go get github.com/x/y\n", False, False),
])
def test_module_mode(tmp_path, text, gomod, mode):
    assert stage(text, context=ctx_with(tmp_path, gomod)).module_mode is mode


def test_module_mode_without_context():
    assert stage("FROM golang:1.13\nCOPY . .\nRUN go build .\n").module_mode is True  # go.mod may be there
    assert stage("FROM golang:1.13\nRUN go get github.com/x/y\n").module_mode is False  # nothing copied
    # a stage built on one that copied go.mod
    text = "FROM golang:1.12 AS deps\nWORKDIR /src\nCOPY go.mod go.sum ./\nFROM deps\nRUN go build .\n"
    assert stage(text).module_mode is True

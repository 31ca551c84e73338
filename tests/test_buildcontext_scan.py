"""The build-context scan sees what BuildKit sends: .dockerignore'd folders hold no Go sources
and no cgo, and it reads no more of the tree than a rule asks for."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

from click.testing import CliRunner

from godockerlint.analysis.buildcontext import BuildContext
from godockerlint.cli.command import cli

DOCKERFILE = """\
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""
CGO = 'package cgo\n\n// int one() { return 1; }\nimport "C"\n\nfunc One() int { return int(C.one()) }\n'


def context(tmp_path: Path, ignore: str | None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.25\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    (tmp_path / "tools" / "cgo").mkdir(parents=True)
    (tmp_path / "tools" / "cgo" / "cgo.go").write_text(CGO)
    if ignore is not None:
        (tmp_path / ".dockerignore").write_text(ignore)
    return tmp_path


def fixed(folder: Path) -> bool:
    """Did `--fix` apply GDL301's fix (safe only when no source the build sees imports "C")?"""
    result = CliRunner().invoke(cli, ["--select", "GDL301", "--fix", "-q", str(folder / "Dockerfile")])
    assert result.exit_code in (0, 1), result.output
    return "CGO_ENABLED=0 go build" in (folder / "Dockerfile").read_text()


def test_cgo_in_a_dockerignored_folder_is_not_in_the_build(tmp_path):
    seen = context(tmp_path / "seen", None)
    ignored = context(tmp_path / "ignored", ".git\ntools/\n")
    assert not fixed(seen)  # unsafe: the sources `import "C"`
    assert fixed(ignored)  # the cgo package is not in the build: safe


def test_a_re_included_cgo_file_counts(tmp_path):
    folder = context(tmp_path, "tools\n!tools/cgo/cgo.go\n")
    assert BuildContext(folder).uses_cgo


def test_an_ignored_folder_holds_no_go_sources(tmp_path):
    folder = context(tmp_path, "tools/cgo\n")
    ctx = BuildContext(folder)
    assert not ctx.holds_go_sources("tools/cgo")
    assert not ctx.holds_go_sources("tools")
    assert ctx.holds_go_sources("main.go") and ctx.holds_go_sources(".")
    assert BuildContext(context(tmp_path / "plain", None)).holds_go_sources("tools")


def test_the_scan_reads_only_what_it_needs(tmp_path, monkeypatch):
    folder = context(tmp_path, None)
    for i in range(200):
        pkg = folder / "big" / f"p{i}"
        pkg.mkdir(parents=True)
        (pkg / "x.go").write_text(f"package p{i}\n\nfunc F() {{}}\n" + "// padding\n" * 20000)
    walked: list[str] = []
    read: dict[str, int] = {}
    real_walk, real_open = os.walk, builtins.open

    def walk(top, *a, **k):
        for entry in real_walk(top, *a, **k):
            walked.append(str(entry[0]))
            yield entry

    class Counted:
        def __init__(self, fh, name):
            self.fh, self.name = fh, name

        def read(self, n=-1):
            data = self.fh.read(n)
            read[self.name] = read.get(self.name, 0) + len(data)
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def counting_open(file, *a, **k):
        fh = real_open(file, *a, **k)
        return Counted(fh, str(file)) if str(file).endswith(".go") else fh

    monkeypatch.setattr(os, "walk", walk)
    monkeypatch.setattr(builtins, "open", counting_open)
    ctx = BuildContext(folder)
    assert ctx.holds_go_sources("big/p7")  # that folder, not the tree
    assert walked == [str(folder / "big" / "p7")] and read == {}
    assert ctx.holds_go_sources(".")  # the first .go file answers
    assert len(walked) == 2
    assert ctx.uses_cgo
    big = [n for n in read if "/big/" in n]
    assert len(big) == 200  # every file is looked at (the cgo one comes last, in sorted order)...
    assert all(read[n] <= 8192 for n in big)  # ...up to its first function: 8 KB, not 220 KB

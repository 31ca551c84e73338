#!/usr/bin/env python3
"""Worst-case benchmark: the Dockerfile shapes that cost the most per byte, near the 1 MiB limit.

Each shape repeats one unit (an instruction, a stage, a heredoc...) as many
times as fits in just under godockerlint's input limit (1 MiB), then
godockerlint lints it and fixes it (`--fix` on a fresh copy) as its console
script in a fresh process; the script prints the wall and CPU time of each
run against the budget (lint <= 2 s, --fix <= 10 s). The shapes:

- `go-build-lines`: one Go stage with a `RUN go build -o /out/appN ./cmd/appN`
  line per binary and a final stage copying them (GDL306's stage outputs);
- `chained-stages`: `FROM golang AS s0`, `FROM s0 AS s1`, ... (stage ancestry,
  GDL601);
- `copy-from-chain`: stages that each `COPY --from=` the previous one;
- `heredocs`: `RUN <<EOF` scripts with go commands;
- `empty-continuations`: a RUN continued over thousands of empty and
  comment lines;
- `many-env`: thousands of `ENV` (and `ARG`) lines in a Go stage, each
  expanded by the next;
- `go-commands-one-run`: one RUN chaining thousands of go commands with `&&`;
- `from-chain-copies`: a FROM chain whose every stage copies the previous one's
  binary (GDL306's outputs of a chain);
- `independent-stages`: thousands of Go stages, all copied into the final one;
- `exports-one-run`: one RUN alternating `export GOFLAGS=...` and go builds;
- `chain-builders`: a FROM chain of builds, the final stage copying each stage's
  binary (every stage is a builder of the final: the cgo decision's builds);
- `chain-sources`: a FROM chain whose every stage copies the sources and builds
  (GDL201 per stage, its fix refused or offered along the chain);
- `env-chain`: a FROM chain whose every stage adds an ENV and builds (each stage and RUN
  inherits the whole environment before it: a copy each is quadratic in memory and time).

It also times a lint of one small Dockerfile at the root of a 100,000-file
tree (Go sources in nested packages, a `vendor/` and a `.dockerignore`d
folder) against the same Dockerfile in a small folder: the build-context scan
must stay within 2x.

    python benchmarks/bench_worst.py [--shape NAME]... [--no-tree] [--size BYTES]

`shape(name, n)` builds a shape with n units; tests/test_complexity.py uses it
to count work for n and 4n units.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT = 1024 * 1024
LINT_BUDGET, FIX_BUDGET = 2.0, 10.0

HEAD = "# syntax=docker/dockerfile:1\nFROM golang:1.22-alpine AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n"
FINAL = "FROM alpine:3.20\nCOPY --from=build /out/app0 /usr/local/bin/app\nUSER 65532\nENTRYPOINT [\"app\"]\n"


def _go_build_lines(n: int) -> str:
    runs = "".join(f"RUN go build -o /out/app{i} ./cmd/app{i}\n" for i in range(n))
    copies = "".join(f"COPY --from=build /out/app{i} /usr/local/bin/app{i}\n" for i in range(0, n, 7))
    return HEAD + runs + FINAL + copies


def _chained_stages(n: int) -> str:
    stages = "".join(f"FROM s{i - 1} AS s{i}\nRUN go build -o /out/app{i} .\n" for i in range(1, n))
    return "FROM golang:1.22 AS s0\nWORKDIR /src\nCOPY . .\n" + stages


def _copy_from_chain(n: int) -> str:
    stages = "".join(
        f"FROM golang:1.22 AS s{i}\nCOPY --from=s{i - 1} /out/ /out/\nRUN go build -o /out/app{i} ./cmd/app{i}\n"
        for i in range(1, n)
    )
    return "FROM golang:1.22 AS s0\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app0 .\n" + stages + FINAL.replace("build", f"s{n - 1}")


def _heredocs(n: int) -> str:
    docs = "".join(
        f"RUN <<EOF\nset -e\ngo build -o /out/app{i} ./cmd/app{i}\nCGO_ENABLED=0 go vet ./cmd/app{i}\nEOF\n" for i in range(n)
    )
    return HEAD + docs + FINAL


def _empty_continuations(n: int) -> str:
    return HEAD + "RUN go build \\\n" + "\\\n\n# comment\n" * n + "    -o /out/app0 .\n" + FINAL


def _many_env(n: int) -> str:
    env = "".join(f"ARG A{i}=x\nENV E{i}=${{A{i}}}/${{E{i - 1}:-none}} GOFLAGS=-mod=mod\n" for i in range(n))
    return HEAD + env + "RUN go build -o /out/app0 .\n" + FINAL


def _go_commands_one_run(n: int) -> str:
    cmds = " && \\\n    ".join(f"go build -o /out/app{i} ./cmd/app{i}" for i in range(n))
    return HEAD + "RUN " + cmds + "\n" + FINAL


def _from_chain_copies(n: int) -> str:
    stages = "".join(
        f"FROM s{i - 1} AS s{i}\nCOPY --from=s{i - 1} /out/app{i - 1} /out/prev{i}\nRUN go build -o /out/app{i} .\n"
        for i in range(1, n)
    )
    return "FROM golang:1.22 AS s0\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app0 .\n" + stages


def _independent_stages(n: int) -> str:
    stages = "".join(f"FROM golang:1.22 AS s{i}\nRUN go build -o /out/app .\n" for i in range(n))
    return stages + "FROM alpine:3.20\n" + "".join(f"COPY --from=s{i} /out/app /app{i}\n" for i in range(n))


def _exports_one_run(n: int) -> str:
    cmds = " && ".join(f"export GOFLAGS=-v{i} && go build -o /out/app{i} ./cmd/app{i}" for i in range(n))
    return HEAD + "RUN " + cmds + "\n" + FINAL


def _chain_builders(n: int) -> str:
    stages = "".join(f"FROM s{i - 1} AS s{i}\nRUN go build -o /out/app{i} ./cmd/app{i}\n" for i in range(1, n))
    copies = "".join(f"COPY --from=s{i} /out/app{i} /usr/local/bin/\n" for i in range(1, n))
    return "FROM golang:1.22 AS s0\nWORKDIR /src\nCOPY . .\n" + stages + "FROM alpine:3.20\n" + copies


def _chain_sources(n: int) -> str:
    stages = "".join(f"FROM s{i - 1} AS s{i}\nCOPY . .\nRUN go build -o /out/app{i} ./cmd/app{i}\n" for i in range(1, n))
    return "FROM golang:1.22 AS s0\nWORKDIR /src\n" + stages


def _env_chain(n: int) -> str:
    stages = "".join(f"FROM s{i - 1} AS s{i}\nENV E{i}=v{i}\nRUN go build -o /out/app{i} ./cmd/app{i}\n"
                     for i in range(1, n))
    return "FROM golang:1.22 AS s0\nWORKDIR /src\nCOPY . .\n" + stages


SHAPES = {
    "go-build-lines": _go_build_lines,
    "chained-stages": _chained_stages,
    "copy-from-chain": _copy_from_chain,
    "heredocs": _heredocs,
    "empty-continuations": _empty_continuations,
    "many-env": _many_env,
    "go-commands-one-run": _go_commands_one_run,
    "from-chain-copies": _from_chain_copies,
    "independent-stages": _independent_stages,
    "exports-one-run": _exports_one_run,
    "chain-builders": _chain_builders,
    "chain-sources": _chain_sources,
    "env-chain": _env_chain,
}


def shape(name: str, n: int) -> str:
    """The Dockerfile text of shape `name` with `n` units (n >= 1)."""
    return SHAPES[name](max(1, n))


def largest(name: str, limit: int = LIMIT) -> tuple[int, str]:
    """The largest unit count whose text fits in `limit` bytes, and the text."""
    lo, hi = 1, 2
    while len(shape(name, hi).encode()) <= limit:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if len(shape(name, mid).encode()) <= limit:
            lo = mid
        else:
            hi = mid
    return lo, shape(name, lo)


def _godockerlint() -> list[str]:
    here = Path(sys.executable).parent / "godockerlint"
    return [str(here)] if here.exists() else [shutil.which("godockerlint") or "godockerlint"]


def _run(argv: list[str], cwd: str) -> tuple[float, float, int]:
    """Wall and CPU seconds (user + system of the child) of one run, and its exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.decode(errors='replace').strip()}")
    return wall, cpu, proc.returncode


def bench_shapes(names: list[str], size: int) -> list[tuple]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="gdl-worst-") as tmp:
        for name in names:
            n, text = largest(name, size)
            folder = Path(tmp, name)
            folder.mkdir()
            path = folder / "Dockerfile"
            path.write_text(text)
            lint = _run(_godockerlint() + ["--no-color", "-q", "Dockerfile"], str(folder))
            fix = _run(_godockerlint() + ["--no-color", "-q", "--fix", "Dockerfile"], str(folder))
            rows.append((name, n, len(text.encode()), lint, fix))
    return rows


def _make_tree(root: Path, files: int) -> None:
    """A monorepo: `files` files, most of them Go sources in nested packages, some cgo ones
    in a `.dockerignore`d folder and in vendor/."""
    (root / "go.mod").write_text("module example.com/mono\n\ngo 1.22\n")
    (root / ".dockerignore").write_text("third_party/\n**/testdata\n")
    made = 0
    i = 0
    while made < files:
        pkg = root / ("third_party" if i % 10 == 9 else "svc") / f"p{i // 100}" / f"q{i % 100}"
        pkg.mkdir(parents=True, exist_ok=True)
        for j in range(20):
            cgo = pkg.parts[-3] == "third_party" and j == 0
            body = 'package q\n\n/*\n#include <stdio.h>\n*/\nimport "C"\n' if cgo else f"package q\n\nfunc F{j}() int {{ return {j} }}\n"
            (pkg / f"f{j}.go").write_text(body)
            made += 1
        (pkg / "README.md").write_text("docs\n")
        made += 1
        i += 1


def bench_tree(files: int, runs: int = 5) -> tuple[float, float, float, float]:
    """Median wall and CPU of a lint of one Dockerfile in a small folder and at a tree's root."""
    dockerfile = HEAD + "RUN go build -o /out/app0 ./svc/p0/q0\n" + FINAL
    with tempfile.TemporaryDirectory(prefix="gdl-tree-") as tmp:
        small, big = Path(tmp, "small"), Path(tmp, "big")
        small.mkdir()
        big.mkdir()
        (small / "go.mod").write_text("module example.com/small\n\ngo 1.22\n")
        (small / "main.go").write_text("package main\n\nfunc main() {}\n")
        _make_tree(big, files)
        for folder in (small, big):
            (folder / "Dockerfile").write_text(dockerfile)
        argv = _godockerlint() + ["--no-color", "-q", "Dockerfile"]
        _run(argv, str(small)), _run(argv, str(big))  # warm-up: bytecode, page cache
        times = {small: [], big: []}
        for _ in range(runs):
            for folder in (small, big):
                times[folder].append(_run(argv, str(folder)))
    med = lambda rows, k: sorted(r[k] for r in rows)[len(rows) // 2]  # noqa: E731
    return med(times[small], 0), med(times[small], 1), med(times[big], 0), med(times[big], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shape", action="append", choices=sorted(SHAPES), help="only this shape (repeatable)")
    ap.add_argument("--size", type=int, default=LIMIT - 1024, help="bytes per generated file (default: just under 1 MiB)")
    ap.add_argument("--tree-files", type=int, default=100_000, help="files in the monorepo tree (0: skip it)")
    ap.add_argument("--no-tree", action="store_true", help="skip the monorepo tree")
    args = ap.parse_args()
    print("| Shape | Units | Bytes | lint wall | lint CPU | --fix wall | --fix CPU | Within budget |")
    print("|---|---|---|---|---|---|---|---|")
    ok = True
    for name, n, size, lint, fix in bench_shapes(args.shape or list(SHAPES), args.size):
        met = lint[1] <= LINT_BUDGET and fix[1] <= FIX_BUDGET
        ok &= met
        print(f"| {name} | {n} | {size} | {lint[0]:.2f} s | {lint[1]:.2f} s | {fix[0]:.2f} s | {fix[1]:.2f} s | {'yes' if met else 'NO'} |")
    if not args.no_tree and args.tree_files:
        sw, sc, bw, bc = bench_tree(args.tree_files)
        ratio = bw / sw
        ok &= ratio <= 2
        print(f"| Dockerfile in a small folder / at the root of {args.tree_files} files | | | "
              f"{sw * 1000:.0f} / {bw * 1000:.0f} ms | {sc * 1000:.0f} / {bc * 1000:.0f} ms | | | "
              f"{ratio:.2f}x {'yes' if ratio <= 2 else 'NO'} |")
    print(f"\nMachine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"budget: lint <= {LINT_BUDGET:.0f} s, --fix <= {FIX_BUDGET:.0f} s CPU; tree <= 2x wall.")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

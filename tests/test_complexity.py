"""A file's cost grows linearly with its instructions and stages, counted without timing anything.

`benchmarks/bench_worst.py` generates the shapes that cost the most (thousands of
`RUN go build` lines, long FROM chains, COPY --from chains, heredocs, empty
continuations, many ENV/ARG, one RUN of thousands of go commands). Here each is
linted and fixed with n and 4n units while `sys.setprofile` counts every Python
and builtin call: linear work grows about 4x, a quadratic spot (a walk over every
ancestor per stage, every command per go command, every chosen fix per fix) 10x
and more. Counting calls is deterministic: a busy machine cannot make it flaky.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from godockerlint.engine import lint_bytes
from godockerlint.fixer import _overlaps, _Taken, fix_bytes
from godockerlint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_worst", ROOT / "benchmarks" / "bench_worst.py")
bench_worst = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_worst)

SHAPES = sorted(bench_worst.SHAPES)
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


def lint_calls(tmp_path, name: str, n: int) -> int:
    path = tmp_path / f"{name}-{n}" / "Dockerfile"
    path.parent.mkdir()
    data = bench_worst.shape(name, n).encode()
    path.write_bytes(data)
    lint_bytes(data, str(path), Settings())  # warm: imports, rule table, caches
    return calls(lambda: lint_bytes(data, str(path), Settings()))


def fix_calls(tmp_path, name: str, n: int) -> int:
    path = tmp_path / f"fix-{name}-{n}" / "Dockerfile"
    path.parent.mkdir()
    data = bench_worst.shape(name, n).encode()
    path.write_bytes(data)
    fix_bytes(data, str(path), Settings(), context_dir=path.parent)
    return calls(lambda: fix_bytes(data, str(path), Settings(), context_dir=path.parent))


@pytest.mark.parametrize("name", SHAPES)
def test_lint_work_grows_linearly(tmp_path, name):
    small, large = lint_calls(tmp_path, name, 150), lint_calls(tmp_path, name, 600)
    assert large / small < LINEAR, f"{name}: {small} calls for 150 units, {large} for 600"


@pytest.mark.parametrize("name", SHAPES)
def test_fix_work_grows_linearly(tmp_path, name):
    small, large = fix_calls(tmp_path, name, 100), fix_calls(tmp_path, name, 400)
    assert large / small < LINEAR, f"{name}: {small} calls for 100 units, {large} for 400"


def test_shapes_fill_the_input_limit():
    # the benchmark's files are as large as godockerlint accepts, not toy sizes
    from godockerlint.engine import MAX_FILE_BYTES

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

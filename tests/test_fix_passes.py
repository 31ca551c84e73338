"""The --fix loop settles fast: no fixture needs more than three passes, and no fix comes back.

A fix that is applied and then reported again with the same edit in the next pass is a rule
whose fix does not settle what it reports; the loop would only stop at MAX_PASSES (10) or on a
text seen before. The loop warns with FixLoopWarning (an error in this suite: pyproject's
filterwarnings) and records it in FixOutcome.refired.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

from godockerlint.core.findings import SAFE, Edit, Finding, Fix, Severity
from godockerlint.fix.fixer import FixLoopWarning, fix_bytes
from godockerlint.core.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted({p.parent for p in FIXTURES.glob("*/*/Dockerfile")} | {p.parent for p in FIXTURES.glob("rules/*/bad/*/Dockerfile")}
               | {p.parent for p in FIXTURES.glob("projects/*/Dockerfile")})
MODES = ("persistent", "ephemeral")


def case_id(p: Path) -> str:
    return str(p.relative_to(FIXTURES))


def test_there_are_cases():
    assert len(CASES) > 200


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fix_needs_at_most_three_passes(case: Path, mode: str):
    settings = dataclasses.replace(Settings(context=case), ci_cache=mode)
    out = fix_bytes((case / "Dockerfile").read_bytes(), str(case / "Dockerfile"), settings, context_dir=case,
                    unsafe=True)
    assert out.refired == []
    assert len(out.passes) <= 3, [sorted({f.code for f in out.remaining})] + [e for _, e in out.passes]


def test_a_fix_that_comes_back_is_reported(monkeypatch):
    """A rule whose fix does not remove what it reports: the loop warns and records it."""
    import godockerlint.lint.engine as engine

    real = engine.lint_model

    def lint_with_a_bad_rule(df, settings, context_dir=None):
        found = real(df, settings, context_dir)
        bad = Finding("GDL999", "bad-rule", Severity.WARNING, df.path, 1, 1, 1, 2, "always",
                      fix=Fix((Edit(0, 0, "# x\n"),), SAFE, "add a comment on top"))
        return type(found)([bad, *found], found.errors)

    monkeypatch.setattr(engine, "lint_model", lint_with_a_bad_rule)
    with pytest.warns(FixLoopWarning, match="the GDL999 fix \\(add a comment on top\\) was applied again"):
        with warnings.catch_warnings():
            warnings.simplefilter("always", FixLoopWarning)
            out = fix_bytes(b"FROM golang:1.25\nRUN go build -o /out/app .\n", "Dockerfile", Settings(),
                            unsafe=True)
    assert out.refired and all("GDL999" in r for r in out.refired)

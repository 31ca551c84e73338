"""The realistic corpus: varied Go Dockerfiles as found in the wild (fixtures/corpus/<case>/).

Each case folder is its own build context. `expected` lists every finding as
`LINE CODE`, one per line, in report order; a reviewer reads it next to the
Dockerfile and must agree with each line. The corpus guards against
regressions and false positives across the whole catalogue.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from godockerlint.lint.engine import lint_file
from godockerlint.fix.fixer import apply_edits
from godockerlint.parse.parser import parse
from godockerlint.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
CASES = sorted(p.parent for p in ROOT.glob("*/Dockerfile"))


def findings(case: Path):
    result = lint_file(case / "Dockerfile", Settings(context=case))
    assert result.errors == []
    return result


def test_corpus_is_large_enough():
    assert len(CASES) >= 120


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_corpus_findings_match_expected(case: Path):
    got = [f"{f.line} {f.code}" for f in findings(case)]
    assert "GDL001" not in " ".join(got)
    expected = [ln for ln in (case / "expected").read_text().splitlines() if ln and not ln.startswith("#")]
    assert got == expected


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_corpus_fix_edits_apply_and_parse(case: Path):
    """Every fix a finding carries applies on its own and leaves a parseable file."""
    text = (case / "Dockerfile").read_bytes().decode("utf-8")
    for f in findings(case):
        if f.fix is None:
            continue
        fixed = apply_edits(text, f.fix.edits)
        parse(fixed, "Dockerfile")

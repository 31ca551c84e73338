"""Every headline rule against its fixtures (fixtures/rules/<CODE>/{bad,good}/<case>/).

A case folder is a build context: its Dockerfile, plus whatever go.mod, go.sum,
sources and vendor/ it needs. `expected` lists the rule's findings as
`LINE:COL LEVEL`; `fixed` is the Dockerfile after applying that rule's fixes
(safe and unsafe) once. A fixed file must re-lint clean for its rule; when it cannot,
`still-triggers` says why (a `# why:` line) and lists the findings that remain.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from godockerlint.engine import lint_file
from godockerlint.fixer import apply_edits
from godockerlint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
CASES = sorted(p.parent for p in ROOT.glob("*/*/*/Dockerfile"))


def case_id(p: Path) -> str:
    return "/".join(p.parts[-3:])


def rule_findings(case: Path):
    code = case.parts[-3]
    if (case / "_git").is_dir():
        # git cannot store a folder named .git: a case's `_git/` stands for the context's `.git/`
        import shutil
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / case.name
            shutil.copytree(case, copy)
            (copy / "_git").rename(copy / ".git")
            findings = lint_file(copy / "Dockerfile", Settings(), display_path=str(case / "Dockerfile"))
    else:
        findings = lint_file(case / "Dockerfile", Settings())
    assert findings.errors == []
    return code, [f for f in findings if f.code == code]


@pytest.mark.parametrize("case", [c for c in CASES if c.parts[-2] == "bad"], ids=case_id)
def test_bad_fixture_triggers_rule(case: Path):
    code, findings = rule_findings(case)
    expected = (case / "expected").read_text().split("\n")
    got = [f"{f.line}:{f.column} {f.level}" for f in findings]
    assert got == [e for e in expected if e], f"{code} findings: {[f.message for f in findings]}"
    for f in findings:
        assert "\n" not in f.message and f.message[0].islower() or f.message[0] == "`"


@pytest.mark.parametrize("case", [c for c in CASES if c.parts[-2] == "good"], ids=case_id)
def test_good_fixture_does_not_trigger_rule(case: Path):
    code, findings = rule_findings(case)
    assert findings == [], [f"{f.line}:{f.column} {f.message}" for f in findings]


@pytest.mark.parametrize("case", [c for c in CASES if (c / "fixed").exists()], ids=case_id)
def test_fix_gives_exact_text(case: Path):
    code, findings = rule_findings(case)
    text = (case / "Dockerfile").read_text()
    edits = [e for f in findings if f.fix for e in f.fix.edits]
    assert edits, "the finding carries no fix"
    assert apply_edits(text, edits) == (case / "fixed").read_text()


def still_triggers(case: Path) -> tuple[str, list[str]]:
    """A case's `still-triggers` file: (why, [`LINE:COL LEVEL` of the findings its fixed file still
    gets for the rule]); ("", []) when there is none: the fixed file must re-lint clean."""
    path = case / "still-triggers"
    if not path.exists():
        return "", []
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    why = " ".join(line.removeprefix("# why:").strip() for line in lines if line.startswith("# why:"))
    return why, [line for line in lines if not line.startswith("#")]


def relint_fixed(case: Path, tmp_path: Path):
    """The rule's findings on the case's `fixed` file, in a copy of its context."""
    code = case.parts[-3]
    for item in case.iterdir():
        if item.is_file():
            (tmp_path / item.name).write_bytes(item.read_bytes())
        else:
            import shutil

            shutil.copytree(item, tmp_path / (".git" if item.name == "_git" else item.name))
    (tmp_path / "Dockerfile").write_bytes((case / "fixed").read_bytes())
    return [f for f in lint_file(tmp_path / "Dockerfile", Settings()) if f.code == code]


@pytest.mark.parametrize("case", [c for c in CASES if (c / "fixed").exists()], ids=case_id)
def test_fixed_text_no_longer_triggers_rule(case: Path, tmp_path: Path):
    """The fixed file re-lints clean for the rule that fixed it, or the case's `still-triggers`
    says why not (a `# why:` line) and which findings remain."""
    why, remaining = still_triggers(case)
    again = relint_fixed(case, tmp_path)
    got = [f"{f.line}:{f.column} {f.level}" for f in again]
    if (case / "still-triggers").exists():
        assert why, "still-triggers needs a `# why:` line"
        assert remaining, "still-triggers lists no finding: delete it"
    assert got == remaining, [f"{f.line}:{f.column} {f.message}" for f in again]


@pytest.mark.parametrize("case", [c for c in CASES if c.parts[-2] == "bad" and not (c / "fixed").exists()],
                         ids=case_id)
def test_bad_fixture_without_fix_file_has_no_edits(case: Path):
    """Findings without a `fixed` file are the ones whose fix needs the rewriter."""
    code, findings = rule_findings(case)
    assert all(f.fix is None for f in findings)

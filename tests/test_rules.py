"""Every headline rule against its fixtures (fixtures/rules/<CODE>/{bad,good}/<case>/).

The files of a case (`expected`, `messages`, `fixed`, `still-triggers`, `cli-fixed`) and how to
regenerate `messages` and `cli-fixed` after changing a rule: tests/rule_fixtures.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from godockerlint.fix.fixer import apply_edits
from godockerlint.lint.rule import load_rules
from rule_fixtures import (CASES, REGEN, ROOT, case_id, cli_fix, cli_golden, copy_context, render_messages,
                           rule_findings, still_triggers)

BAD = [c for c in CASES if c.parts[-2] == "bad"]
FIXED = [c for c in CASES if (c / "fixed").exists()]
ENGINE_RULES = {"GDL001", "GDL002"}  # the engine's own findings: tests/test_bad_input.py, tests/test_cli.py


@pytest.mark.parametrize("case", BAD, ids=case_id)
def test_bad_fixture_triggers_rule(case: Path):
    code, findings = rule_findings(case)
    expected = (case / "expected").read_text().split("\n")
    got = [f"{f.line}:{f.column} {f.level}" for f in findings]
    assert got == [e for e in expected if e], f"{code} findings: {[f.message for f in findings]}"
    for f in findings:
        assert "\n" not in f.message and f.message[0].islower() or f.message[0] == "`"


@pytest.mark.parametrize("case", BAD, ids=case_id)
def test_bad_fixture_messages(case: Path):
    """The full text of every finding (and of its fix), as a user reads it."""
    _, findings = rule_findings(case)
    path = case / "messages"
    assert path.exists(), f"{case_id(case)} has no `messages` file: write it with `{REGEN} {case_id(case)}`"
    assert render_messages(findings) == path.read_text(), \
        f"messages changed: if the new text is right, `{REGEN} {case_id(case)}` and review the diff"


@pytest.mark.parametrize("case", [c for c in CASES if c.parts[-2] == "good"], ids=case_id)
def test_good_fixture_does_not_trigger_rule(case: Path):
    code, findings = rule_findings(case)
    assert findings == [], [f"{f.line}:{f.column} {f.message}" for f in findings]


@pytest.mark.parametrize("case", FIXED, ids=case_id)
def test_fix_gives_exact_text(case: Path):
    code, findings = rule_findings(case)
    text = (case / "Dockerfile").read_text()
    edits = [e for f in findings if f.fix for e in f.fix.edits]
    assert edits, "the finding carries no fix"
    assert apply_edits(text, edits) == (case / "fixed").read_text()


def relint_fixed(case: Path, tmp_path: Path):
    """The rule's findings on the case's `fixed` file, in a copy of its context."""
    from godockerlint.lint.engine import lint_file
    from godockerlint.core.settings import Settings

    copy = copy_context(case, tmp_path / case.name, (case / "fixed").read_bytes())
    return [f for f in lint_file(copy / "Dockerfile", Settings()) if f.code == case.parts[-3]]


@pytest.mark.parametrize("case", FIXED, ids=case_id)
def test_fixed_text_no_longer_triggers_rule(case: Path, tmp_path: Path):
    """The fixed file re-lints clean for the rule that fixed it, or the case's `still-triggers`
    says why not (a `# why:` line) and which findings remain."""
    why, remaining = still_triggers(case)
    again = relint_fixed(case, tmp_path)
    if (case / "still-triggers").exists():
        assert why, "still-triggers needs a `# why:` line"
        assert remaining, "still-triggers lists no finding: delete it"
    assert [f"{f.line}:{f.column} {f.level}" for f in again] == remaining, \
        [f"{f.line}:{f.column} {f.message}" for f in again]


@pytest.mark.parametrize("case", FIXED, ids=case_id)
def test_cli_fix_gives_golden_file(case: Path, tmp_path: Path):
    """The real CLI: `--fix --unsafe-fixes --select <CODE>` writes `cli-fixed` (else `fixed`) and
    exits 0, or 1 when the case's `still-triggers` says a finding remains."""
    code, output, data = cli_fix(case, tmp_path)
    assert code == (1 if (case / "still-triggers").exists() else 0), output
    assert data == cli_golden(case).read_bytes(), f"if the new file is right: `{REGEN} {case_id(case)}`"


@pytest.mark.parametrize("case", FIXED, ids=case_id)
def test_cli_fix_without_unsafe_fixes(case: Path, tmp_path: Path):
    """Plain `--fix` applies the safe fixes only: the golden file when all of the case's fixes
    are safe (as `messages` declares them), the Dockerfile untouched and exit 1 when all are unsafe."""
    kinds = {line.split("(")[1].split(")")[0] for line in (case / "messages").read_text().splitlines()
             if line.startswith("    fix (")}
    code, output, data = cli_fix(case, tmp_path, unsafe=False)
    if kinds == {"unsafe"}:
        assert (code, data) == (1, (case / "Dockerfile").read_bytes()), output
        n = len([e for e in (case / "expected").read_text().splitlines() if e])
        one = n == 1
        assert output.splitlines()[-1] == \
            f"Fixed 0 problems; {n} remain{'s' * one} ({n} need{'s' * one} --unsafe-fixes)."
    elif kinds == {"safe"}:
        assert code == (1 if (case / "still-triggers").exists() else 0), output
        assert data == cli_golden(case).read_bytes()
    else:
        assert kinds == {"safe", "unsafe"}, f"messages declares no fix: {kinds}"


@pytest.mark.parametrize("case", [c for c in BAD if not (c / "fixed").exists()], ids=case_id)
def test_bad_fixture_without_fix_file_has_no_edits(case: Path):
    """Findings without a `fixed` file are the ones whose fix needs the rewriter."""
    code, findings = rule_findings(case)
    assert all(f.fix is None for f in findings)


@pytest.mark.parametrize("code", sorted(set(load_rules()) - ENGINE_RULES))
def test_every_rule_has_a_message_test_and_a_cli_golden_file_per_fix_kind(code: str):
    """Each rule has a bad case (whose `messages` the test above checks), and for each kind of
    fix it declares (safe, unsafe) a case with that fix, whose CLI output has a golden file."""
    declared = load_rules()[code].fix
    bad = [c for c in BAD if c.parts[-3] == code]
    assert bad, f"{code} has no bad fixture in {ROOT}/{code}/bad/"
    kinds = set()
    for case in FIXED:
        if case.parts[-3] == code:
            kinds |= {k for k in ("safe", "unsafe") if f"    fix ({k}):" in (case / "messages").read_text()}
    assert kinds == ({"safe", "unsafe"} & set(declared.split("/"))), \
        f"{code} declares FIX = {declared!r}; the fixtures with a `fixed` file show {sorted(kinds)}"

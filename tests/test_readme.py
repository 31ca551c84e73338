"""The README stays true: its rule table is generated from the metadata, its commands exist."""

from __future__ import annotations

from pathlib import Path

from godockerlint.ruletable import markdown_table, render

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_is_current():
    assert render(README) == README, "run: python -m godockerlint.ruletable README.md"
    assert markdown_table() in README


def test_readme_commands_name_files_that_exist():
    assert "pip install . && godockerlint examples/hello" in README
    assert (ROOT / "examples" / "hello" / "Dockerfile").is_file()
    assert "pip install -e '.[test]' && python -m pytest" in README


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in ci
    assert "GODOCKERLINT_E2E=1" in ci
    assert "\nexport CI=true\n" in ci  # the fuzz budget and the hadolint requirement never depend on the runner

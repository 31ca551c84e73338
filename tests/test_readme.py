"""The README stays true: its rule table is generated from the metadata, its commands exist."""

from __future__ import annotations

from pathlib import Path

from godockerlint.report.ruletable import markdown_table, render

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_is_current():
    assert render(README) == README, "run: python -m godockerlint.report.ruletable README.md"
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


def test_rule_pages_are_current_and_every_finding_url_lands_on_one():
    from godockerlint.lint.rule import DOCS_URL, load_rules
    from godockerlint.report.ruletable import rule_pages

    pages = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert rule_pages() == pages, "run: python -m godockerlint.report.ruletable README.md"
    prefix = "https://github.com/godockerlint/godockerlint/blob/main/"
    assert DOCS_URL.startswith(prefix)
    for rule in load_rules().values():
        path, _, anchor = rule.url[len(prefix):].partition("#")
        assert (ROOT / path).is_file(), rule.url
        # GitHub's anchor of a heading `## GDL101` is `gdl101`
        assert f"\n## {rule.code}\n" in pages and anchor == rule.code.lower(), rule.url


def test_explain_prints_the_text_of_the_rule_page():
    import subprocess
    import sys

    from godockerlint.lint.rule import load_rules
    from godockerlint.report.ruletable import explain

    pages = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for code in ("GDL101", "GDL202", "GDL401"):
        rule = load_rules()[code]
        out = subprocess.run([sys.executable, "-m", "godockerlint", "--explain", code],
                             capture_output=True, text=True, check=True).stdout
        section = pages.split(f"\n## {code}\n", 1)[1].split("\n## ", 1)[0]
        assert explain(rule).strip() in section
        assert out == f"{code} {rule.name} ({rule.severity.label}, {'no automatic fix' if rule.fix == 'none' else 'fix: ' + rule.fix})\n\n{explain(rule)}\n{rule.url}\n"

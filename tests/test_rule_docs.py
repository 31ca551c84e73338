"""Each rule's docstring is its documentation: its examples are run, and its metadata is sane."""

from __future__ import annotations

import re

import pytest

from godockerlint.engine import lint_bytes
from godockerlint.findings import Severity
from godockerlint.rule import load_rules
from godockerlint.settings import Settings

RULES = load_rules()
EXAMPLE_RE = re.compile(r"^(Anti-pattern|Best practice):\s*\n\s*```dockerfile\n(.*?)```", re.S | re.M)


def examples(code: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in EXAMPLE_RE.finditer(RULES[code].doc)}


@pytest.mark.parametrize("code", sorted(RULES))
def test_docstring_has_both_examples(code):
    ex = examples(code)
    assert set(ex) == {"Anti-pattern", "Best practice"}, f"{code} docstring lacks an example section"


@pytest.mark.parametrize("code", sorted(c for c in RULES if c != "GDL001"))
def test_anti_pattern_triggers_the_rule(code):
    text = examples(code)["Anti-pattern"]
    found = [f.code for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None)]
    assert code in found


def test_parse_error_anti_pattern_is_a_parse_error():
    text = examples("GDL001")["Anti-pattern"]
    found = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None)
    assert [f.code for f in found] == ["GDL001"]


@pytest.mark.parametrize("code", sorted(RULES))
def test_best_practice_does_not_trigger_the_rule(code):
    text = examples(code)["Best practice"]
    found = [f for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None) if f.code == code]
    assert found == [], [f.message for f in found]


@pytest.mark.parametrize("code", sorted(RULES))
def test_metadata(code):
    rule = RULES[code]
    assert re.fullmatch(r"GDL\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert isinstance(rule.severity, Severity)
    assert rule.fix in ("safe", "unsafe", "safe/unsafe", "none")
    assert rule.summary and "\n" not in rule.summary
    if rule.module != "godockerlint.engine":
        assert rule.module.split(".")[-1].startswith(code.lower() + "_")

"""Each rule's docstring is its documentation: its examples are run, and its metadata is sane."""

from __future__ import annotations

import re

import pytest

from godockerlint.lint.engine import lint_bytes
from godockerlint.core.findings import Severity
from godockerlint.lint.rule import load_rules
from godockerlint.core.settings import Settings

RULES = load_rules()
EXAMPLE_RE = re.compile(r"^(Anti-pattern|Best practice):\s*\n\s*```dockerfile\n(.*?)```", re.S | re.M)


def examples(code: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in EXAMPLE_RE.finditer(RULES[code].doc)}


@pytest.mark.parametrize("code", sorted(RULES))
def test_docstring_has_both_examples(code):
    ex = examples(code)
    assert set(ex) == {"Anti-pattern", "Best practice"}, f"{code} docstring lacks an example section"


def example_context(tmp_path, code=None):
    """The build context a context-aware rule's examples are linted with (they stay silent without one):
    a Go module with a requirement, go.sum, a main package, a .git folder and no .dockerignore, plus the
    files of the rule module's optional EXAMPLE_CONTEXT dict (relative path -> text)."""
    import importlib

    extra = getattr(importlib.import_module(RULES[code].module), "EXAMPLE_CONTEXT", {}) if code else {}
    for rel, text in extra.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.25\n\nrequire github.com/google/uuid v1.6.0\n")
    (tmp_path / "go.sum").write_text(
        "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
        "github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return tmp_path


@pytest.mark.parametrize("code", sorted(c for c in RULES if c != "GDL001"))
def test_anti_pattern_triggers_the_rule(code, tmp_path):
    text = examples(code)["Anti-pattern"]
    context = example_context(tmp_path, code) if RULES[code].context else None
    found = [f.code for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=context)]
    assert code in found


@pytest.mark.parametrize("code", sorted(c for c, r in RULES.items() if r.context))
def test_context_rule_best_practice_is_silent_with_the_example_context(code, tmp_path):
    text = examples(code)["Best practice"]
    found = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=example_context(tmp_path, code))
    assert [f.message for f in found if f.code == code] == []


def test_parse_error_anti_pattern_is_a_parse_error():
    text = examples("GDL001")["Anti-pattern"]
    found = lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None)
    assert [f.code for f in found] == ["GDL001"]


@pytest.mark.parametrize("code", sorted(RULES))
def test_best_practice_does_not_trigger_the_rule(code):
    text = examples(code)["Best practice"]
    found = [f for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=None) if f.code == code]
    assert found == [], [f.message for f in found]


# More examples, for the cases a rule decides (rules.md revision 2): "Anti-pattern (a label):" and
# "Best practice (a label):" sections after the two main ones; each is run with the example context.
LABELLED_RE = re.compile(r"^(Anti-pattern|Best practice) \(([^)\n]+)\):\s*\n\s*```dockerfile\n(.*?)```", re.S | re.M)
LABELLED = [(code, m.group(1), m.group(2), m.group(3)) for code in sorted(RULES)
            for m in LABELLED_RE.finditer(RULES[code].doc)]


@pytest.mark.parametrize("code,kind,label,text", LABELLED, ids=[f"{c}-{k[0]}-{lb}" for c, k, lb, _ in LABELLED])
def test_labelled_examples(code, kind, label, text, tmp_path):
    """Linted with the example context (a module with go.mod, go.sum, main.go and .git), as a user would."""
    context = example_context(tmp_path, code)
    found = [f.code for f in lint_bytes(text.encode(), "Dockerfile", Settings(), context_dir=context)]
    assert (code in found) == (kind == "Anti-pattern"), f"{code} {kind} ({label}): {found}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_metadata(code):
    rule = RULES[code]
    assert re.fullmatch(r"GDL\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert isinstance(rule.severity, Severity)
    assert rule.fix in ("safe", "unsafe", "safe/unsafe", "none")
    assert rule.summary and "\n" not in rule.summary
    if rule.module != "godockerlint.lint.engine":
        assert rule.module.split(".")[-1].startswith(code.lower() + "_")


# Every ID of the catalogue (../shared/docs/rules.md), with its name: IDs are stable once shipped.
CATALOGUE = {
    "GDL001": "parse-error", "GDL002": "invalid-ignore-comment",
    "GDL101": "goproxy-arg-missing", "GDL102": "global-arg-not-redeclared", "GDL103": "goproxy-value-invalid",
    "GDL104": "checksum-verification-disabled", "GDL105": "build-mutates-go-mod", "GDL106": "go-install-unpinned",
    "GDL107": "vendored-but-downloading", "GDL108": "go-work-in-context", "GDL109": "go-toolchain-mismatch",
    "GDL110": "private-modules-without-secret",
    "GDL201": "gomod-after-sources", "GDL202": "modcache-mount-missing", "GDL203": "buildcache-mount-missing",
    "GDL204": "cache-mount-wrong-target", "GDL205": "cache-mount-not-writable", "GDL206": "download-step-inputs",
    "GDL207": "cache-defeating-flags", "GDL208": "deprecated-syntax-directive", "GDL209": "dockerignore-weak",
    "GDL210": "gomod-not-copied",
    "GDL301": "cgo-implicit", "GDL302": "cgo-runtime-mismatch", "GDL303": "release-flags-missing",
    "GDL304": "buildvcs-hazard", "GDL305": "go-flag-or-env-typo", "GDL306": "copied-artifact-missing",
    "GDL401": "final-not-distroless", "GDL402": "shell-in-shellless-image", "GDL403": "final-runs-as-root",
    "GDL404": "user-not-numeric", "GDL405": "scratch-without-certs", "GDL406": "build-tree-in-final",
    "GDL407": "final-image-unpinned",
    "GDL501": "credentials-in-build", "GDL502": "go-image-unpinned", "GDL503": "remote-script-execution",
    "GDL601": "cross-compile-unwired", "GDL602": "emulated-go-build", "GDL603": "platform-flag-misuse",
    "GDL604": "cgo-cross-without-toolchain",
}


def test_list_rules_lists_the_whole_catalogue():
    from click.testing import CliRunner

    from godockerlint.cli.command import cli

    out = CliRunner().invoke(cli, ["--list-rules"]).output
    listed = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:] if line.strip()}
    assert listed == CATALOGUE

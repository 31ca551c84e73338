"""`godockerlint --init`: the commented default config, the pre-commit hook added with comments
and layout kept, and never overwriting a config without --force."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint import __version__
from godockerlint.cli.command import cli
from godockerlint.lint.config import CliOverrides, load_config, make_settings
from godockerlint.core.findings import Severity
from godockerlint.cli.init import config_text
from godockerlint.lint.rule import Rule
from godockerlint.core.settings import Settings


def run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.fixture
def work(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_a_config_with_every_option_at_its_default(work):
    result = run(["--init"])
    assert (result.exit_code, result.stdout) == (0, "Wrote .godockerlint.yaml (every option at its default).\n")
    path = work / ".godockerlint.yaml"
    assert path.read_text() == config_text()
    settings = make_settings(load_config(path), CliOverrides())
    assert dataclasses.asdict(settings) == dataclasses.asdict(Settings())
    assert not (work / ".pre-commit-config.yaml").exists()


def test_init_config_names_every_option(work):
    run(["--init"])
    keys = [line.split(":")[0].lstrip("# ") for line in (work / ".godockerlint.yaml").read_text().splitlines()
            if line and not line.startswith((" ", "# ")) or line.startswith("# goproxy:")]
    assert keys == ["select", "ignore", "severity", "failure-threshold", "goproxy", "private",
                    "allowed-final-images", "syntax", "ci-cache", "download-step", "final-image", "rules"]


def test_init_config_lists_rule_options_at_their_defaults(work):
    rule = Rule("GDL999", "demo", Severity.INFO, "none", "s", "", {"max": 3, "names": ["a"]},
                lambda ctx: (), "demo")
    assert config_text({"GDL999": rule}).endswith('rules:\n  GDL999: {max: 3, names: ["a"]}\n')


def test_init_never_overwrites_without_force(work):
    (work / ".godockerlint.yaml").write_text("select: [GDL1]\n")
    (work / ".pre-commit-config.yaml").write_text("repos: []\n")
    result = run(["--init"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "godockerlint: error: .godockerlint.yaml already exists (use --init --force to overwrite it)\n"
    assert (work / ".godockerlint.yaml").read_text() == "select: [GDL1]\n"
    assert (work / ".pre-commit-config.yaml").read_text() == "repos: []\n"  # nothing written at all
    result = run(["--init", "--force"])
    assert result.exit_code == 0
    assert (work / ".godockerlint.yaml").read_text() == config_text()


def test_force_needs_init(work):
    result = run(["--force"])
    assert (result.exit_code, result.stderr) == (2, "godockerlint: error: --force needs --init (see 'godockerlint --help')\n")


HOOK_4_0 = f"""\
-   repo: https://github.com/godockerlint/godockerlint
    rev: v{__version__}
    hooks:
    -   id: godockerlint
"""

# pre-commit's own sample layout: 4-space sequences at offset 0, comments everywhere
SAMPLE = """\
# See https://pre-commit.com for more information
default_stages: [pre-commit]  # keep this
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0   # pinned
    hooks:
    -   id: trailing-whitespace
    # -   id: end-of-file-fixer
-   repo: local
    hooks:
    -   id: x
        name: "quoted"
        entry: 'single quoted'
        language: system
"""

# the common 2-space layout with sequences indented under their key
INDENTED = """\
minimum_pre_commit_version: '3.5'
repos:
  # formatters
  - repo: https://github.com/psf/black
    rev: 24.1.0
    hooks:
      - id: black
        args: [--quiet]   # quiet
"""


def test_init_adds_the_hook_keeping_comments_and_layout(work):
    (work / ".pre-commit-config.yaml").write_text(SAMPLE)
    result = run(["--init"])
    assert (result.exit_code, result.stdout) == (0, "Wrote .godockerlint.yaml (every option at its default).\n"
                                                     "Added the godockerlint hook to .pre-commit-config.yaml.\n")
    assert (work / ".pre-commit-config.yaml").read_text() == SAMPLE + HOOK_4_0


def test_init_adds_the_hook_in_the_indented_layout(work):
    (work / ".pre-commit-config.yaml").write_text(INDENTED)
    assert run(["--init"]).exit_code == 0
    assert (work / ".pre-commit-config.yaml").read_text() == INDENTED + (
        "  - repo: https://github.com/godockerlint/godockerlint\n"
        f"    rev: v{__version__}\n"
        "    hooks:\n"
        "      - id: godockerlint\n"
    )


def test_init_leaves_a_config_that_has_the_hook(work):
    (work / ".pre-commit-config.yaml").write_text(SAMPLE + HOOK_4_0)
    result = run(["--init"])
    assert result.stdout.splitlines()[-1] == ".pre-commit-config.yaml already has the godockerlint hook."
    assert (work / ".pre-commit-config.yaml").read_text() == SAMPLE + HOOK_4_0


def test_init_with_a_broken_pre_commit_config(work):
    (work / ".pre-commit-config.yaml").write_text("repos:\n  - repo: x\n   rev: [\n")
    result = run(["--init"])
    assert result.exit_code == 2
    assert result.stderr.startswith("godockerlint: error: .pre-commit-config.yaml:3: invalid YAML: ")
    assert result.stderr.count("\n") == 1
    assert not (work / ".godockerlint.yaml").exists()

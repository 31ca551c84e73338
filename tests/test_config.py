"""`.godockerlint.yaml`: discovery up to the repository root, every key, errors with file:line,
and the CLI overriding the config."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from godockerlint.cli.command import cli
from godockerlint.lint.config import CliOverrides, ConfigError, find_config, load_config, make_settings
from godockerlint.core.findings import Severity
from godockerlint.core.settings import Settings

# GDL101 (warning) at line 2, GDL401 (error: the final stage is the Go toolchain image) at line 1.
GO_DOCKERFILE = "FROM golang:1.25\nRUN --mount=type=bind,source=go.mod,target=go.mod go build -o /app .\nCMD [\"/app\"]\n"


def run(args, **kw):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kw)


def codes(result) -> list[tuple[str, str, str, int]]:
    return [(f["file"], f["code"], f["level"], f["line"]) for f in json.loads(result.stdout)]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """tmp/outer/.godockerlint.yaml (outside the repo), tmp/outer/repo/.git, Dockerfiles below."""
    root = tmp_path / "outer" / "repo"
    (root / ".git").mkdir(parents=True)
    write(tmp_path / "outer" / ".godockerlint.yaml", "ignore: [GDL101, GDL401]\n")
    write(root / "services" / "api" / "Dockerfile", GO_DOCKERFILE)
    monkeypatch.chdir(root)
    return root


# --- discovery ------------------------------------------------------------------------------


def test_config_above_the_repository_root_is_not_used(repo):
    assert find_config(repo / "services" / "api") is None
    result = run(["--format", "json", "--select", "GDL101,GDL401"])
    assert codes(result) == [
        ("services/api/Dockerfile", "GDL401", "error", 1),
        ("services/api/Dockerfile", "GDL101", "warning", 2),
    ]


def test_config_found_upwards_at_the_repository_root(repo):
    config = write(repo / ".godockerlint.yaml", "ignore: [GDL401]\n")
    assert find_config(repo / "services" / "api") == config
    result = run(["--format", "json", "--select", "GDL101,GDL401", "services/api/Dockerfile"])
    assert codes(result) == [("services/api/Dockerfile", "GDL101", "warning", 2)]


def test_yml_extension_and_nearest_config_wins(repo):
    write(repo / ".godockerlint.yaml", "ignore: [GDL401]\n")
    write(repo / "services" / ".godockerlint.yml", "ignore: [GDL101]\n")
    write(repo / "tools" / "Dockerfile", GO_DOCKERFILE)
    result = run(["--format", "json", "--select", "GDL101,GDL401"])
    # each Dockerfile gets its own config: services/ has .yml, tools/ uses the root one
    assert codes(result) == [
        ("services/api/Dockerfile", "GDL401", "error", 1),
        ("tools/Dockerfile", "GDL101", "warning", 2),
    ]


def test_explicit_config_applies_to_every_dockerfile(repo, tmp_path):
    write(repo / "services" / ".godockerlint.yaml", "ignore: [GDL101]\n")
    explicit = write(tmp_path / "ci.yaml", "ignore: [GDL401]\n")
    result = run(["--format", "json", "--select", "GDL101,GDL401", "--config", str(explicit)])
    assert codes(result) == [("services/api/Dockerfile", "GDL101", "warning", 2)]


def test_stdin_uses_the_config_of_its_stdin_filename(repo):
    write(repo / "services" / ".godockerlint.yaml", "severity: {GDL101: error}\n")
    result = run(["--select", "GDL101", "--stdin-filename", "services/api/Dockerfile", "-"], input=GO_DOCKERFILE)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("services/api/Dockerfile:2:51: GDL101 error: ")


# --- every key --------------------------------------------------------------------------------


def test_every_key_reaches_settings(tmp_path):
    path = write(
        tmp_path / ".godockerlint.yaml",
        """\
        # a complete config
        select: [GDL1, GDL201]
        ignore: [GDL203]
        severity:
          GDL101: error
          GDL201: info
          GDL202: off
        failure-threshold: warning
        goproxy: https://goproxy.cn,direct
        private: ["github.com/acme/*", "*.corp.example.com"]
        allowed-final-images: [scratch, "cgr.dev/chainguard/static*"]
        syntax: none
        ci-cache: ephemeral
        download-step: copy
        final-image:
          cgo-off: gcr.io/distroless/static-debian12
          cgo-on: gcr.io/distroless/cc-debian12
        rules: {}
        """,
    )
    settings = make_settings(load_config(path), CliOverrides(), path)
    assert settings == Settings(
        select=frozenset({"GDL1", "GDL201"}),
        ignore=frozenset({"GDL203", "GDL202"}),
        severity={"GDL101": Severity.ERROR, "GDL201": Severity.INFO},
        failure_threshold=Severity.WARNING,
        goproxy="https://goproxy.cn,direct",
        private=("github.com/acme/*", "*.corp.example.com"),
        allowed_final_images=("scratch", "cgr.dev/chainguard/static*"),
        syntax="none",
        ci_cache="ephemeral",
        download_step="copy",
        final_image_cgo_off="gcr.io/distroless/static-debian12",
        final_image_cgo_on="gcr.io/distroless/cc-debian12",
        rule_options={},
        config_path=path,
    )


def test_empty_config_gives_defaults(tmp_path):
    path = write(tmp_path / ".godockerlint.yaml", "# nothing yet\n")
    assert make_settings(load_config(path), CliOverrides(), path) == Settings(config_path=path)


def test_failure_threshold_none(tmp_path):
    path = write(tmp_path / ".godockerlint.yaml", "failure-threshold: none\n")
    assert make_settings(load_config(path), CliOverrides()).failure_threshold is None


# --- CLI overrides config -----------------------------------------------------------------------


@pytest.fixture
def configured(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "Dockerfile", GO_DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_select_replaces_config_select(configured):
    write(configured / ".godockerlint.yaml", "select: [GDL401]\n")
    assert codes(run(["--format", "json"])) == [("Dockerfile", "GDL401", "error", 1)]
    assert codes(run(["--format", "json", "--select", "GDL101"])) == [("Dockerfile", "GDL101", "warning", 2)]


def test_cli_ignore_extends_config_ignore(configured):
    write(configured / ".godockerlint.yaml", "select: [GDL101, GDL401]\nignore: [GDL401]\n")
    assert codes(run(["--format", "json"])) == [("Dockerfile", "GDL101", "warning", 2)]
    assert codes(run(["--format", "json", "--ignore", "GDL101"])) == []


def test_cli_failure_threshold_overrides_config(configured):
    write(configured / ".godockerlint.yaml", "select: [GDL101]\nfailure-threshold: error\n")
    assert run([]).exit_code == 0  # a warning is below the config's threshold
    assert run(["--failure-threshold", "warning"]).exit_code == 1


def test_severity_override_changes_level_and_exit_code(configured):
    write(configured / ".godockerlint.yaml", "select: [GDL101]\nseverity: {GDL101: info}\nfailure-threshold: warning\n")
    result = run(["--no-color"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("Dockerfile:2:51: GDL101 info: ")
    assert result.stdout.splitlines()[-1] == "Found 1 problem (1 info)."


def test_severity_off_ignores_the_rule(configured):
    write(configured / ".godockerlint.yaml", "select: [GDL101]\nseverity: {GDL101: off}\n")
    result = run([])
    assert (result.exit_code, result.stdout) == (0, "All checks passed.\n")


# --- errors -----------------------------------------------------------------------------------


BAD_CONFIGS = [
    ("ignore: [GDL101]\nignored: [GDL401]\n", "2: unknown key 'ignored' (did you mean 'ignore'?)"),
    ("colour: true\n", "1: unknown key 'colour' (expected one of: select, ignore, severity, failure-threshold, "
     "goproxy, private, allowed-final-images, syntax, ci-cache, download-step, final-image, rules)"),
    ("ignore:\n  - GDL101\n  - GDL9999\n", "3: ignore: unknown rule code 'GDL9999'"),
    ("select: GDL101\n", "1: select: expected a list of rule codes, got 'GDL101'"),
    ("\nseverity:\n  GDL101: loud\n", "3: severity: GDL101: expected one of error, warning, info, off, got 'loud'"),
    ("severity:\n  GDLX01: error\n", "2: severity: unknown rule code 'GDLX01'"),
    ("failure-threshold: fatal\n", "1: failure-threshold: expected one of error, warning, info, none, got 'fatal'"),
    ("goproxy: goproxy.cn\n", "1: goproxy: bad entry 'goproxy.cn' (expected https://… URLs, direct or off, "
     "separated by , or |)"),
    ("goproxy: 42\n", "1: goproxy: expected a non-empty string, got 42"),
    ("private:\n  - github.com/acme/*\n  - 3\n", "3: private: expected a non-empty string, got 3"),
    ("syntax: docker/dockerfile 1\n", "1: syntax: expected an image such as docker/dockerfile:1, or none; "
     "got 'docker/dockerfile 1'"),
    ("ci-cache: sometimes\n", "1: ci-cache: expected one of persistent, ephemeral, got 'sometimes'"),
    ("download-step: mount\n", "1: download-step: expected one of auto, bind, copy, got 'mount'"),
    ("final-image:\n  cgo: scratch\n", "2: final-image: unknown key 'cgo' (expected cgo-off or cgo-on)"),
    ("rules:\n  GDL777: {}\n", "2: rules: unknown rule code 'GDL777'"),
    ("rules:\n  GDL101:\n    colour: red\n", "3: rules: GDL101: unknown option 'colour'"),
    ("ignore: [GDL101\nselect: []\n", "2: invalid YAML: expected ',' or ']', but got ':'"),
    ("ignore: []\nignore: []\n", "2: invalid YAML: found duplicate key \"ignore\" with value \"[]\" (original value: \"[]\")"),
    ("- GDL101\n", "1: expected a mapping of settings (key: value)"),
]


@pytest.mark.parametrize("text, message", BAD_CONFIGS)
def test_bad_config_is_one_line_with_file_and_line(configured, text, message):
    (configured / ".godockerlint.yaml").write_text(text)
    result = run([])
    assert result.exit_code == 2
    assert result.stdout == "No problems found; 1 file could not be linted.\n"
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"godockerlint: error: .godockerlint.yaml:{message}")


def test_bad_config_in_one_folder_does_not_stop_the_others(configured):
    write(configured / "bad" / ".godockerlint.yaml", "zzz: 1\n")
    write(configured / "bad" / "Dockerfile", GO_DOCKERFILE)
    write(configured / "bad" / "sub" / "Dockerfile", GO_DOCKERFILE)
    result = run(["--format", "json", "--select", "GDL101"])
    assert result.exit_code == 2
    assert codes(result) == [("Dockerfile", "GDL101", "warning", 2)]
    # reported once, not once per Dockerfile under it
    assert result.stderr.splitlines() == [
        "godockerlint: error: bad/.godockerlint.yaml:1: unknown key 'zzz' "
        "(expected one of: select, ignore, severity, failure-threshold, goproxy, private, allowed-final-images, "
        "syntax, ci-cache, download-step, final-image, rules)"
    ]


def test_bad_explicit_config_stops_the_run(configured, tmp_path):
    bad = write(tmp_path / "elsewhere" / "lint.yaml", "ignore: GDL101\n")
    result = run(["--config", str(bad)])
    assert result.exit_code == 2
    assert result.stdout == ""
    # a config below the current folder is named relative to it
    assert result.stderr == "godockerlint: error: elsewhere/lint.yaml:1: ignore: expected a list of rule codes, got 'GDL101'\n"


def test_missing_explicit_config(configured):
    result = run(["--config", "nope.yaml"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "godockerlint: error: nope.yaml: no such file\n"


def test_config_error_str_without_line():
    assert str(ConfigError("no such file", "x.yaml")) == "x.yaml: no such file"


# --- cost of a config ---------------------------------------------------------------------------


IMPORTS = "import sys, runpy; sys.argv = ['godockerlint'] + sys.argv[1:]\n" \
    "try:\n    runpy.run_module('godockerlint', run_name='__main__')\n" \
    "finally:\n    print(sorted(m for m in ('ruamel.yaml', 'jinja2') if m in sys.modules), file=sys.stderr)\n"


def test_lint_without_config_imports_neither_yaml_nor_jinja(configured):
    proc = subprocess.run([sys.executable, "-c", IMPORTS, "--select", "GDL101", "Dockerfile"],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_lint_with_config_reads_it_with_ruamel(configured):
    write(configured / ".godockerlint.yaml", "select: [GDL101]\n")
    proc = subprocess.run([sys.executable, "-c", IMPORTS, "Dockerfile"], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "['ruamel.yaml']"


# --- per-rule options ---------------------------------------------------------------------------


@pytest.fixture
def rule_with_options(monkeypatch):
    """GDL101 as if it declared OPTIONS (no bundled rule has options yet)."""
    import dataclasses

    from godockerlint.lint import rule as rule_module

    rules = dict(rule_module.load_rules())
    rules["GDL101"] = dataclasses.replace(
        rules["GDL101"], options={"strict": False, "max_stages": 3, "allowed": [], "proxy": None}
    )
    monkeypatch.setattr(rule_module, "load_rules", lambda: rules)


def test_rule_options(tmp_path, rule_with_options):
    path = write(
        tmp_path / ".godockerlint.yaml",
        """\
        rules:
          GDL101:
            strict: true
            max-stages: 5          # - and _ are interchangeable
            allowed: [a, b]
            proxy: {any: thing}    # no default: any value
          GDL202:
        """,
    )
    assert make_settings(load_config(path), CliOverrides()).rule_options == {
        "GDL101": {"strict": True, "max_stages": 5, "allowed": ["a", "b"], "proxy": {"any": "thing"}}
    }


@pytest.mark.parametrize(
    "text, message",
    [
        ("rules:\n  GDL101:\n    strict: 1\n", "3: rules: GDL101: strict: expected true or false, got 1"),
        ("rules:\n  GDL101:\n    max_stages: yes\n", "3: rules: GDL101: max_stages: expected an integer, got 'yes'"),
        ("rules:\n  GDL101:\n    max_stages: true\n", "3: rules: GDL101: max_stages: expected an integer, got True"),
        ("rules:\n  GDL101:\n\n    allowed: a\n", "4: rules: GDL101: allowed: expected a list, got 'a'"),
        ("rules:\n  GDL101:\n    colour: red\n",
         "3: rules: GDL101: unknown option 'colour' (options: strict, max_stages, allowed, proxy)"),
        ("rules:\n  GDL101: [strict]\n", "2: rules: GDL101: expected a mapping of option names to values, got a list"),
    ],
)
def test_bad_rule_options(tmp_path, rule_with_options, text, message):
    path = tmp_path / ".godockerlint.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value) == f"{path}:{message}"


def test_a_huge_config_is_refused_in_one_line(repo):
    # a config is a few hundred bytes: a 10 MiB one (a mistaken file, an attack) is refused unread
    with open(repo / ".godockerlint.yaml", "w") as fh:
        fh.write("ignore:\n" + "  - GDL101\n" * (1024 * 1024))
    result = CliRunner().invoke(cli, ["services/api/Dockerfile"])
    assert result.exit_code == 2
    assert result.stderr == ("godockerlint: error: .godockerlint.yaml: file too large "
                             "(more than 262144 bytes; the limit is 256 KiB)\n")


def test_a_config_at_the_limit_is_read(repo):
    text = "ignore: [GDL101]\n"
    write(repo / ".godockerlint.yaml", text + "#" * (256 * 1024 - len(text) - 1) + "\n")
    result = run(["--format", "json", "services/api/Dockerfile"])
    assert "GDL101" not in {code for _, code, _, _ in codes(result)}

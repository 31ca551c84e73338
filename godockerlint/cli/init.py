"""`godockerlint --init`: a commented `.godockerlint.yaml` with every option at its default,
and the godockerlint hook added to an existing `.pre-commit-config.yaml`.

The pre-commit config is edited with ruamel.yaml's round-trip mode, with the indentation
guessed from the file, so its comments, quoting and layout are kept. An existing
`.godockerlint.yaml` is never overwritten without `--force`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import click

from godockerlint import __version__
from godockerlint.cli.output import error
from godockerlint.core.settings import Settings

CONFIG_NAME = ".godockerlint.yaml"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
REPO_URL = "https://github.com/godockerlint/godockerlint"
EXIT_OK, EXIT_ERROR = 0, 2


class InitError(Exception):
    """str() is one line: `file[:line]: message`."""


def _flow(value) -> str:
    """A default value as YAML flow text (JSON is YAML)."""
    if isinstance(value, (tuple, frozenset, set)):
        value = sorted(value) if isinstance(value, (frozenset, set)) else list(value)
    return json.dumps(value)


def config_text(rules=None) -> str:
    """The commented config with every option at its default (what `--init` writes)."""
    if rules is None:
        from godockerlint.lint.rule import load_rules

        rules = load_rules()
    d = Settings()
    threshold = d.failure_threshold.label if d.failure_threshold is not None else "none"
    rule_lines = "".join(
        f"  {rule.code}: {{{', '.join(f'{k}: {_flow(v)}' for k, v in rule.options.items())}}}\n"
        for rule in rules.values() if rule.options
    )
    return f"""\
# godockerlint configuration (https://github.com/godockerlint/godockerlint#configuration).
# Every option is shown at its default; `godockerlint --explain CODE` documents each rule.
# Command-line flags win: --select replaces select, --ignore adds to ignore,
# --failure-threshold replaces failure-threshold.

# Only these rules run (codes or prefixes such as GDL2); empty: every rule.
select: {_flow(d.select)}

# Never these rules (codes or prefixes).
ignore: {_flow(d.ignore)}

# Change a rule's level: error, warning, info, or off (= ignore), e.g. {{GDL101: error}}.
severity: {{}}

# Exit 1 when a finding is at or above this level: error, warning, info or none.
failure-threshold: {threshold}

# The default value fixes give the ARG GOPROXY they insert (default: none, so the
# builder's own GOPROXY applies), e.g. a mirror:
# goproxy: https://goproxy.cn,direct

# Module path globs that are private (GOPRIVATE-style), e.g. [github.com/acme/*].
private: {_flow(d.private)}

# Final base images accepted besides distroless, e.g. [scratch].
allowed-final-images: {_flow(d.allowed_final_images)}

# The `# syntax=` line fixes write; none writes none.
syntax: {d.syntax}

# persistent: CI keeps BuildKit's cache between builds; ephemeral: it does not.
ci-cache: {d.ci_cache}

# How fixes write the go mod download step: auto, bind or copy.
download-step: {d.download_step}

# The final base images fixes use.
final-image:
  cgo-off: {d.final_image_cgo_off}
  cgo-on: {d.final_image_cgo_on}

# Per-rule options (see godockerlint --explain CODE).
rules:{" {}" if not rule_lines else ""}
{rule_lines}"""


def hook_entry():
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return CommentedMap([
        ("repo", REPO_URL),
        ("rev", f"v{__version__}"),
        ("hooks", CommentedSeq([CommentedMap([("id", "godockerlint")])])),
    ])


def add_hook(text: str, path: str = PRE_COMMIT_CONFIG) -> str | None:
    """The pre-commit config with the godockerlint repo appended to `repos` (comments and layout
    kept), or None when it already has it. Raises InitError on a config it cannot edit."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    try:
        _, indent, offset = load_yaml_guess_indent(text)
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096  # never re-wrap long lines
        yaml.indent(mapping=indent if offset else indent, sequence=indent, offset=offset)
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InitError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise InitError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise InitError(f"{path}:1: expected a mapping with a `repos:` list")
    repos = data.get("repos")
    if repos is None:
        repos = data["repos"] = CommentedSeq()
    if not isinstance(repos, CommentedSeq):
        raise InitError(f"{path}:{data.lc.key('repos')[0] + 1}: `repos` is not a list")
    if any(isinstance(r, dict) and "godockerlint" in str(r.get("repo", "")) for r in repos):
        return None
    repos.append(hook_entry())
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def run_init(folder: Path, *, force: bool = False) -> int:
    """Write `.godockerlint.yaml` in `folder` and add the hook to its `.pre-commit-config.yaml`."""
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        error(f"{CONFIG_NAME} already exists (use --init --force to overwrite it)")
        return EXIT_ERROR
    pre_commit = folder / PRE_COMMIT_CONFIG
    new_pre_commit = None
    if pre_commit.is_file():
        try:
            new_pre_commit = add_hook(pre_commit.read_text(encoding="utf-8"))
        except (InitError, OSError, UnicodeDecodeError) as exc:
            error(str(exc) if isinstance(exc, InitError) else f"{PRE_COMMIT_CONFIG}: {exc}")
            return EXIT_ERROR
    try:
        config.write_text(config_text(), encoding="utf-8")
        if new_pre_commit is not None:
            pre_commit.write_text(new_pre_commit, encoding="utf-8")
    except OSError as exc:
        error(f"{exc.filename}: {exc.strerror or exc}")
        return EXIT_ERROR
    click.echo(f"Wrote {CONFIG_NAME} (every option at its default).")
    if new_pre_commit is not None:
        click.echo(f"Added the godockerlint hook to {PRE_COMMIT_CONFIG}.")
    elif pre_commit.is_file():
        click.echo(f"{PRE_COMMIT_CONFIG} already has the godockerlint hook.")
    return EXIT_OK

"""The rule API and the rule registry.

A rule is a module (in the top-level `rules/` folder, shipped as
`godockerlint.rules`, or any module registered in the `godockerlint.rules`
entry-point group) with:

- a docstring: the rule's user documentation, with an ``Anti-pattern`` and a
  ``Best practice`` section each holding a Dockerfile example;
- ``CODE`` (``GDL123``), ``NAME`` (kebab-case), ``SEVERITY`` (``error``,
  ``warning`` or ``info``), ``FIX`` (``safe``, ``unsafe``, ``safe/unsafe`` or
  ``none``), ``SUMMARY`` (one line);
- optionally ``OPTIONS`` (a dict of per-rule options with their defaults) and
  ``CONTEXT = True`` when it reads the build context;
- ``check(ctx)``: a generator of findings, made with ``ctx.report(...)``.

Rules never parse text: they read the model (`ctx.dockerfile`) and the Go
facts (`ctx.facts`).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Iterable, Iterator

from godockerlint.core.findings import Finding, Fix, Related, Severity
from godockerlint.parse.model import Span

DOCS_URL = "https://github.com/godockerlint/godockerlint/blob/main/docs/rules.md#{code_lower}"
ENTRY_POINT_GROUP = "godockerlint.rules"
BUNDLED_RULES = "godockerlint.rules"  # the rules/ folder, shipped as this package
CODE_RE = re.compile(r"^[A-Z]+[0-9]{3}$")
FIX_KINDS = ("safe", "unsafe", "safe/unsafe", "none")


class RuleError(Exception):
    pass


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fix: str
    summary: str
    doc: str
    options: dict
    check: Callable[["RuleContext"], Iterable[Finding]]
    module: str
    context: bool = False

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code, code_lower=self.code.lower())

    @classmethod
    def from_module(cls, mod: ModuleType) -> "Rule":
        try:
            code, name, sev, fix = mod.CODE, mod.NAME, mod.SEVERITY, mod.FIX
            check = mod.check
        except AttributeError as exc:
            raise RuleError(f"rule module {mod.__name__} lacks {exc.name}") from None
        if not CODE_RE.match(code):
            raise RuleError(f"rule module {mod.__name__}: bad CODE {code!r}")
        if fix not in FIX_KINDS:
            raise RuleError(f"rule {code}: FIX must be one of {', '.join(FIX_KINDS)}")
        doc = (mod.__doc__ or "").strip()
        summary = getattr(mod, "SUMMARY", "") or (doc.splitlines()[0] if doc else name)
        return cls(
            code=code,
            name=name,
            severity=Severity.parse(sev),
            fix=fix,
            summary=summary,
            doc=doc,
            options=dict(getattr(mod, "OPTIONS", {}) or {}),
            check=check,
            module=mod.__name__,
            context=bool(getattr(mod, "CONTEXT", False)),
        )


# Findings the engine itself produces (no module, no check()).
PARSE_ERROR = Rule(
    code="GDL001",
    name="parse-error",
    severity=Severity.ERROR,
    fix="none",
    summary="The file cannot be read as a Dockerfile.",
    doc=(
        "The file cannot be read as a Dockerfile: it is not UTF-8 text, a heredoc is not\n"
        "terminated, a flag is malformed, an instruction is unknown or has no arguments,\n"
        "or the escape directive names a character other than a backslash or a backtick.\n"
        "The finding gives the line and column; the other files of the run are still linted.\n\n"
        "Anti-pattern:\n\n```dockerfile\nFROM golang:1.25\nRUN <<EOF\ngo build ./...\n```\n\n"
        "Best practice:\n\n```dockerfile\nFROM golang:1.25\nRUN <<EOF\ngo build ./...\nEOF\n```\n"
    ),
    options={},
    check=lambda ctx: (),
    module="godockerlint.lint.engine",
)
INVALID_IGNORE = Rule(
    code="GDL002",
    name="invalid-ignore-comment",
    severity=Severity.WARNING,
    fix="none",
    summary="An inline ignore comment names an unknown rule ID.",
    doc=(
        "An inline ignore comment (`# godockerlint ignore=...`, `global ignore=`,\n"
        "`stage ignore=`) names a rule ID that does not exist, so it silences nothing:\n"
        "usually a typo, or a rule that was renamed.\n\n"
        "Anti-pattern:\n\n```dockerfile\nFROM golang:1.25\n# godockerlint ignore=GDL9999\n"
        "RUN go build -o /app .\n```\n\n"
        "Best practice:\n\n```dockerfile\nFROM golang:1.25\n# godockerlint ignore=GDL101\n"
        "RUN go build -o /app .\n```\n"
    ),
    options={},
    check=lambda ctx: (),
    module="godockerlint.lint.engine",
)
BUILTIN_RULES = (PARSE_ERROR, INVALID_IGNORE)

_registry: dict[str, Rule] | None = None


def load_rules() -> dict[str, Rule]:
    """All rules by code: built-in, bundled (godockerlint.rules.*) and plugins."""
    global _registry
    if _registry is not None:
        return _registry
    rules: dict[str, Rule] = {r.code: r for r in BUILTIN_RULES}
    # found by name, as plugins are: the bundled rules sit above lint and import its API
    bundled = importlib.import_module(BUNDLED_RULES)

    modules = [
        importlib.import_module(f"{bundled.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(bundled.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]
    for mod in modules:
        _add(rules, Rule.from_module(mod))
    for mod in _plugin_modules():
        _add(rules, Rule.from_module(mod))
    _registry = dict(sorted(rules.items()))
    return _registry


def _add(rules: dict[str, Rule], rule: Rule) -> None:
    if rule.code in rules:
        raise RuleError(f"rule {rule.code} is defined twice ({rules[rule.code].module}, {rule.module})")
    rules[rule.code] = rule


def _plugin_modules() -> Iterator[ModuleType]:
    if not _may_have_plugins():
        return
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        yield obj if isinstance(obj, ModuleType) else importlib.import_module(obj.__module__)


def _may_have_plugins() -> bool:
    """Whether an installed distribution may declare a `godockerlint.rules` entry point.

    A cheap superset of importlib.metadata's own search (whose import and full scan cost
    10-50 ms per run): the `entry_points.txt` of every `*.dist-info`/`*.egg-info` folder on
    sys.path is read as bytes and searched for the group name; only when one mentions it
    does importlib.metadata do the real work. Anything this look cannot see through (a zip
    or egg on sys.path, a meta-path finder with its own distributions) answers True."""
    import os
    import sys
    from importlib.machinery import PathFinder

    if any(hasattr(f, "find_distributions") and f is not PathFinder for f in sys.meta_path):
        return True
    needle = ENTRY_POINT_GROUP.encode()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except NotADirectoryError:
            return True
        except (OSError, TypeError):
            continue
        for name in names:
            if name.endswith(".egg"):
                return True
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(entry or ".", name, "entry_points.txt"), "rb") as fh:
                    if needle in fh.read():
                        return True
            except OSError:
                continue
    return False


class RuleContext:
    """What a rule's check() sees: the model, the Go facts, settings and a reporter."""

    def __init__(self, rule: Rule, dockerfile, facts, settings, path: str) -> None:
        self.rule = rule
        self.dockerfile = dockerfile
        self.facts = facts
        self.settings = settings
        self.path = path
        self.options = {**rule.options, **settings.rule_options.get(rule.code, {})}

    def report(
        self,
        where,
        message: str,
        *,
        fix: Fix | None = None,
        severity: Severity | str | None = None,
        related=(),
    ) -> Finding:
        """A finding at `where`: a Span, or anything with a `.span` (instruction, flag, word).

        `related`: (where, message) pairs for other places the message names (SARIF
        relatedLocations, LSP relatedInformation)."""
        span: Span = where if isinstance(where, Span) else where.span
        if isinstance(severity, str):
            severity = Severity.parse(severity)
        return Finding(
            code=self.rule.code,
            name=self.rule.name,
            severity=severity or self.rule.severity,
            file=self.path,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            message=message,
            url=self.rule.url,
            fix=fix,
            related=tuple(_related(w, m) for w, m in related),
        )


def _related(where, message: str) -> Related:
    span = where if isinstance(where, Span) else where.span
    return Related(span.line, span.column, span.end_line, span.end_column, message)

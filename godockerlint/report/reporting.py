"""Where each report goes (`--format` and `--output`), rendering them, and `--statistics`.

Several formats can be asked for in one run (`--format text --format sarif`). `--output`
says where each goes:

- `--output FORMAT=FILE` writes FORMAT's report to FILE; a FORMAT not named by `--format`
  is added to the run (so `--output sarif=results.sarif` alone keeps the text report on
  stdout and writes SARIF too);
- `--output FILE` (no known format before an `=`) is paired, in order, with the formats
  named by `--format` that have no `FORMAT=FILE` output;
- every other format goes to stdout, and at most one may.

The reporters are imported lazily: a run imports only the formats it writes.
"""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path
from typing import Mapping, Sequence

from godockerlint.core.findings import Finding

FORMATS = ("text", "json", "sarif", "github", "gitlab", "checkstyle")


class OutputError(ValueError):
    """A bad combination of --format and --output (a usage error)."""


def plan(formats: Sequence[str], outputs: Sequence[str]) -> list[tuple[str, Path | None]]:
    """[(format, file or None for stdout)] in the order the formats were asked for."""
    wanted = list(formats) or ["text"]
    for name in wanted:
        if wanted.count(name) > 1:
            raise OutputError(f"--format {name} is given twice")
    named: dict[str, Path] = {}
    plain: list[Path] = []
    for value in outputs:
        head, sep, tail = value.partition("=")
        if sep and head.lower() in FORMATS:
            if not tail:
                raise OutputError(f"--output {value}: no file after '='")
            if head.lower() in named:
                raise OutputError(f"--output gives two files for {head.lower()}")
            named[head.lower()] = Path(tail)
        elif not value:
            raise OutputError("--output needs a file name")
        else:
            plain.append(Path(value))
    for name in named:
        if name not in wanted:
            wanted.append(name)
    unpaired = [name for name in wanted[: len(formats) or 1] if name not in named]
    if len(plain) > len(unpaired):
        raise OutputError(f"--output {plain[len(unpaired)]}: every format already has an output "
                          "(pair files with formats as --output FORMAT=FILE)")
    paired = dict(zip(unpaired, plain))
    result = [(name, named.get(name) or paired.get(name)) for name in wanted]
    to_stdout = [name for name, path in result if path is None]
    if len(to_stdout) > 1:
        raise OutputError(f"--format {' and '.join(to_stdout)} would all write to stdout: "
                          f"give all but one a file with --output FORMAT=FILE")
    files = [path for _, path in result if path is not None]
    for path in files:
        if files.count(path) > 1:
            raise OutputError(f"--output {path} is given to two formats")
    return result


def uses_sources(fmt: str) -> bool:
    return bool(getattr(importlib.import_module(f"godockerlint.report.formats.{fmt}"), "USES_SOURCES", False))


def shows_fixes(fmt: str) -> bool:
    """Whether the format prints a fix's description or text (then they are masked first)."""
    return fmt == "sarif"


def render(fmt: str, findings: Sequence[Finding], *, color: bool, quiet: bool, failed: int,
           sources: Mapping[str, str] | None = None) -> str:
    module = importlib.import_module(f"godockerlint.report.formats.{fmt}")
    extra = {"sources": sources} if getattr(module, "USES_SOURCES", False) else {}
    return module.render(findings, color=color, quiet=quiet, failed=failed, **extra)


def statistics(findings: Sequence[Finding]) -> str:
    """`--statistics`: one line per rule that fired, `COUNT  CODE  NAME`, the most frequent first
    (ties by code), then the total; nothing when there is no finding."""
    counts = Counter((f.code, f.name) for f in findings)
    if not counts:
        return ""
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    width = max(len(str(n)) for _, n in rows)
    code_width = max(len(code) for (code, _), _ in rows)
    lines = [f"{n:>{width}}  {code:<{code_width}}  {name}" for (code, name), n in rows]
    total = sum(counts.values())
    lines.append(f"{total:>{width}}  {'total':<{code_width}}")
    return "".join(line.rstrip() + "\n" for line in lines)

"""Lint orchestration: bytes -> model -> Go facts -> findings (ignores and severities applied)."""

from __future__ import annotations

from pathlib import Path

from godockerlint.findings import Finding
from godockerlint.settings import Settings


class LintInputError(Exception):
    """The file could not be read at all (missing, permission denied, a directory...).

    str(exc) is a one-line message that names the file."""


def lint_bytes(data: bytes, path: str, settings: Settings) -> list[Finding]:
    """Lint one Dockerfile's content. Never raises on bad content: it yields GDL001."""
    raise NotImplementedError


def lint_file(path: Path, settings: Settings, display_path: str | None = None) -> list[Finding]:
    """Read and lint one file; raises LintInputError when it cannot be read."""
    raise NotImplementedError

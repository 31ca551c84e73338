"""Which files a run lints: explicit files, Dockerfiles found under directories, stdin."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from godockerlint.core.record import Frozen, _set

SKIPPED_DIRS = frozenset({".git", "vendor", "node_modules"})
STDIN = "-"


_UNPRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f\udc80-\udcff]")


def shown_name(name: str) -> str:
    """A file name as reports show it: one line of valid UTF-8 text. A byte that is not UTF-8
    (os.fsdecode gives it as a lone surrogate) and a control character (a newline, a tab)
    are written as escapes, `\\xff`, `\\n`, `\\t`; the file is still read by its real name."""
    if not _UNPRINTABLE_RE.search(name):
        return name
    return _UNPRINTABLE_RE.sub(_escape, name)


def _escape(m: re.Match) -> str:
    c = ord(m.group(0))
    if c >= 0xDC80:
        return f"\\x{c - 0xDC00:02x}"
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(m.group(0), f"\\x{c:02x}")


class Target(Frozen):
    """One file to lint. `path` is None for stdin; `display` is the name reports show (see shown_name)."""

    __slots__ = ("path", "display", "compose", "found")

    def __init__(self, path: Path | None, display: str, compose: bool = False, found: bool = False) -> None:
        _set(self, "path", path)
        _set(self, "display", shown_name(display))
        _set(self, "compose", compose)  # a compose file: its services' Dockerfiles are linted
        _set(self, "found", found)  # found while searching a folder (not named on the command line)


def is_dockerfile_name(name: str) -> bool:
    """`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`, `Containerfile*`.

    BuildKit's per-Dockerfile ignore files (`Dockerfile.dockerignore`,
    `app.Dockerfile.dockerignore`) are not Dockerfiles.
    """
    if name.endswith(".dockerignore"):
        return False
    return (
        name == "Dockerfile"
        or name.startswith(("Dockerfile.", "Containerfile"))
        or name.endswith((".Dockerfile", ".dockerfile"))
    )


def find_dockerfiles(root: Path) -> list[Path]:
    """Dockerfiles under `root`, recursively, sorted; `.git`, `vendor` and `node_modules` skipped.

    Symbolic links to directories are not followed.
    """
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        found.extend(Path(folder, f) for f in files if is_dockerfile_name(f))
    return sorted(found, key=lambda p: p.parts)


COMPOSE_NAMES = frozenset({"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"})


def is_compose_name(name: str) -> bool:
    """A compose file's name, as Docker Compose looks for it (the compose module reads the file)."""
    return name in COMPOSE_NAMES


def find_compose_files(root: Path) -> list[Path]:
    """Compose files (`compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml`)
    under `root`, searched like Dockerfiles."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        found.extend(Path(folder, f) for f in files if is_compose_name(f))
    return sorted(found, key=lambda p: p.parts)


def collect_targets(paths: Iterable[str], stdin_filename: str | None = None) -> tuple[list[Target], list[str]]:
    """Expand command-line PATHs into targets, in order, each file once.

    Returns the targets and one-line error messages for paths that do not
    exist (the other paths are still returned, so a run can lint them).
    """
    targets: list[Target] = []
    errors: list[str] = []
    seen: set[str] = set()

    def add(target: Target) -> None:
        key = STDIN if target.path is None else os.path.realpath(target.path)
        if key not in seen:
            seen.add(key)
            targets.append(target)

    for arg in paths:
        if arg == STDIN:
            add(Target(None, stdin_filename or STDIN))
        elif os.path.isdir(arg):
            for path in find_dockerfiles(Path(arg)):
                add(Target(path, os.path.normpath(path), found=True))
            for path in find_compose_files(Path(arg)):
                add(Target(path, os.path.normpath(path), compose=True, found=True))
        elif os.path.lexists(arg):
            add(Target(Path(arg), arg, compose=_is_compose(arg)))
        else:
            errors.append(f"{shown_name(arg)}: no such file or directory")
    return targets, errors


def _is_compose(arg: str) -> bool:
    name = os.path.basename(arg)
    if is_dockerfile_name(name):  # never a compose name: no need to import the compose module
        return False
    return is_compose_name(name)

"""Edits on a temporary copy of fixtures/app (fixtures/ is never mutated)."""

from __future__ import annotations

import itertools
import re
import shutil
import time
from pathlib import Path
from typing import Tuple

from .goproxy import EXTRA_MODULE, ModuleSpec, ModuleTree
from .scenarios import APP_DIR

_counter = itertools.count()


def nonce() -> str:
    """A token unique to this run: edits never match a layer cached by an earlier run."""
    return f"{time.time_ns() // 1000}{next(_counter)}"


def copy_app(dest: Path) -> Path:
    shutil.copytree(APP_DIR, dest)
    return dest


def source_edit(app: Path, token: str = "") -> str:
    """A source-only edit (go.mod/go.sum untouched): bump the version constant. Returns the new version."""
    token = token or nonce()
    path = app / "version.go"
    text = path.read_text()
    new_text, count = re.subn(r'const Version = "([^"]*)"', f'const Version = "1.4.2-edit.{token}"', text)
    if count != 1:
        raise RuntimeError("version.go has no `const Version = \"...\"` line")
    path.write_text(new_text)
    return f"1.4.2-edit.{token}"


def add_module(app: Path, tree: ModuleTree, token: str = "") -> Tuple[str, str]:
    """Add one module (at a version unique to this run) to go.mod, go.sum and the sources.

    The module version is published in `tree` first. Returns (module path, version).
    """
    token = token or nonce()
    spec = ModuleSpec(EXTRA_MODULE, f"v1.0.{token}", subpackages=("kernel",), files_per_package=1, funcs_per_file=60)
    sum_lines = tree.add_module(spec)
    with (app / "go.mod").open("a") as fh:
        fh.write(f"\nrequire {spec.path} {spec.version}\n")
    with (app / "go.sum").open("a") as fh:
        fh.write("".join(line + "\n" for line in sum_lines))
    (app / "extra.go").write_text(
        "package main\n\n"
        f'import "{spec.path}"\n\n'
        f"// extraDependency is the module the go.mod-edit scenario adds.\n"
        f"var extraDependency = dependency{{{EXTRA_MODULE}.Name, {EXTRA_MODULE}.Version, {EXTRA_MODULE}.Checksum}}\n\n"
        "func init() { dependencies = append(dependencies, extraDependency) }\n"
    )
    return spec.path, spec.version

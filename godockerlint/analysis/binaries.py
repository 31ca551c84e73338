"""Which binaries a stage's go commands build and where they land: `go build -o`, `go
install` into GOBIN or `$GOPATH/bin`, `go build` without `-o` (named after the package
folder, or in module mode after the module path: known only with the context's go.mod).
Used by finalneeds.py for the binaries the final stage runs."""

from __future__ import annotations

import os
import posixpath
import re

from godockerlint.core.record import Record

BINARY_COMMANDS = frozenset({"build", "install"})


class Binary(Record):
    __slots__ = ("path", "name", "package", "command")

    def __init__(self, path: str, name: str, package: str, command) -> None:
        self.path = path  # absolute path in the build stage
        self.name = name
        self.package = package
        self.command = command  # the GoCommand that writes it


# -- binaries -------------------------------------------------------------------------
def binaries(facts, stage, notes: list[str]) -> list[Binary]:
    """The programs `go build`/`go install` produce in this stage (or, if none, in its ancestors)."""
    for st in [stage] + stage.ancestors:
        found = []
        for gc in st.go_commands:
            if gc.subcommand not in BINARY_COMMANDS:
                continue
            if _pattern(gc) and (gc.subcommand == "install" or (gc.output or "").endswith("/")):
                found += _installed_pattern(facts, gc, notes)
                continue
            b = binary(facts, gc, notes)
            if b is not None:
                found.append(b)
        if found:
            return found
    return []


def _pattern(gc) -> str | None:
    pkgs = [p for p in gc.packages if not p.startswith("-")]
    return pkgs[0] if len(pkgs) == 1 and pkgs[0].startswith(".") and pkgs[0].endswith("/...") else None


def _installed_pattern(facts, gc, notes: list[str]) -> list[Binary]:
    """`go install ./cmd/...`: one binary per main package under the folder, named after its folder
    (read from the build context; the COPY must have put the context root at the command's folder)."""
    ctx = facts.context
    line = gc.instruction.line
    src = gc.run.sources_copied_before
    from godockerlint.analysis.words import copy_destination, copy_sources

    if ctx is None or src is None or copy_sources(src) not in (["."], ["./"]):
        notes.append(f"the programs `go install {_pattern(gc)}` writes on line {line} are not known without "
                     f"the build context")
        return []
    root = posixpath.normpath(posixpath.join(facts.workdir_at(src), copy_destination(src)))
    rel_cwd = posixpath.relpath(command_cwd(gc), root)
    if rel_cwd.startswith(".."):
        notes.append(f"the programs `go install {_pattern(gc)}` writes on line {line} are not known")
        return []
    under = posixpath.normpath(posixpath.join(rel_cwd, _pattern(gc)[:-4]))
    if gc.subcommand == "build":  # go build -o dir/ ./cmd/...: one binary per main package in dir
        if "$" in gc.output:
            notes.append(f"the output `-o {gc.output}` on line {line} uses a variable")
            return []
        gobin = posixpath.normpath(posixpath.join(command_cwd(gc), gc.output))
    else:
        gobin = gc.setting("GOBIN") or posixpath.join(
            (gc.setting("GOPATH") or gc.run.stage.default_gopath(gc.run.home)).split(":")[0], "bin")
    out = []
    for d in sorted(ctx.go_dirs):
        if (d == under or d.startswith(under + "/") or under == ".") and _is_main(os.path.join(str(ctx.root), d)):
            name = posixpath.basename(d) if d != "." else None
            if name and not re.match(r"^v\d+$", name):
                out.append(Binary(posixpath.join(gobin, name), name, "./" + d, gc))
    return out


def _is_main(folder: str) -> bool:
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".go") and not n.endswith("_test.go"))
    except OSError:
        return False
    for n in names:
        try:
            with open(os.path.join(folder, n), "rb") as fh:
                head = fh.read(8192).decode("utf-8", "replace")
        except OSError:
            continue
        m = re.search(r"^package\s+(\w+)", head, re.M)
        if m:
            return m.group(1) == "main"
    return False


def binary(facts, gc, notes: list[str]) -> Binary | None:
    pkgs = [p for p in gc.packages if not p.startswith("-")]
    line = gc.instruction.line
    if len(pkgs) > 1 or any("..." in p for p in pkgs):
        if gc.subcommand == "build" and "o" not in gc.flags:
            notes.append(f"`go build {' '.join(pkgs)}` on line {line} builds several packages and writes no binary")
            return None
    pkg = pkgs[0] if pkgs else "."
    name = package_name(facts, pkg, gc)
    cwd = command_cwd(gc)
    if gc.subcommand == "install":
        gobin = gc.setting("GOBIN")
        if not gobin:
            gopath = gc.setting("GOPATH") or gc.run.stage.default_gopath(gc.run.home)
            gobin = posixpath.join(gopath.split(":")[0], "bin")
        if "$" in gobin:
            notes.append(f"the GOBIN of `go install` on line {line} uses a variable")
            return None
        if not name:
            notes.append(_unnamed(facts, "install", pkg, line))
            return None
        return Binary(posixpath.join(gobin, name), name, pkg, gc)
    out = gc.output
    if out:
        if "$" in out:
            notes.append(f"the output `-o {out}` on line {line} uses a variable")
            return None
        path = posixpath.normpath(posixpath.join(cwd, out))
        if out.endswith("/"):
            if not name:
                notes.append(_unnamed(facts, "build", pkg, line))
                return None
            path = posixpath.join(path, name)
        return Binary(path, posixpath.basename(path), pkg, gc)
    if not name:
        notes.append(_unnamed(facts, "build", pkg, line))
        return None
    return Binary(posixpath.join(cwd, name), name, pkg, gc)


def _unnamed(facts, sub: str, pkg: str, line: int) -> str:
    if pkg in (".", "./") and (facts.context is None or facts.context.go_mod is None):
        return f"the binary's name of `go {sub}` on line {line} is not known without go.mod"
    return f"the binary's name of `go {sub} {pkg}` on line {line} is not known"


def command_cwd(gc) -> str:
    """The working directory of a go command: the RUN's WORKDIR, moved by `cd` earlier in the RUN."""
    run = gc.run
    if run._cwds is None:  # one walk per RUN: a long script must not cost O(n²)
        cwd, run._cwds = run.workdir, {}
        for cmd, _, _ in run.commands:
            run._cwds[id(cmd)] = cwd
            if cmd.name == "cd" and len(cmd.words) > 1 and "$" not in cmd.words[1].value:
                cwd = posixpath.normpath(posixpath.join(cwd, cmd.words[1].value))
        run._cwds[None] = cwd
    return run._cwds.get(id(gc.command), run._cwds[None])


def package_name(facts, pkg: str, gc) -> str | None:
    """The binary name go gives a package: its directory's name, or (module mode, `.`) the module path's
    last element (a `/vN` major suffix skipped). None when it cannot be known."""
    path = pkg.split("@", 1)[0].rstrip("/")
    ctx = facts.context
    gm = ctx.go_mod if ctx is not None else None
    module = gm.module if gm is not None and gm.module else _module_init(gc)
    cwd = command_cwd(gc)
    if path.endswith(".go"):
        return posixpath.basename(path)[:-3] or None  # `go build main.go` writes ./main
    if path in ("", "."):
        if module:
            path = module
        elif gc.gopath_mode or ctx is not None and gm is None and _gopath_dir(cwd, gc):
            return posixpath.basename(cwd) if cwd != "/" else None  # GOPATH mode: the directory's name
        else:
            return None  # module mode without go.mod: named after a module path we cannot see
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts:
        return None
    last = parts[-1]
    if re.match(r"^v\d+$", last) and len(parts) > 1:
        last = parts[-2]
    return last if last != ".." else None


def _module_init(gc) -> str | None:
    """The module path of a `go mod init <path>` run earlier in the stage (or its ancestors)."""
    stage = gc.run.stage
    for st in [stage] + stage.ancestors:
        for other in st.go_commands:
            if other.subcommand == "mod init" and other.packages and "$" not in other.packages[0]:
                return other.packages[0]
    return None


def _gopath_dir(cwd: str, gc) -> bool:
    gopath = gc.setting("GOPATH") or gc.run.stage.default_gopath(gc.run.home)
    return cwd.startswith(posixpath.join(gopath.split(":")[0], "src") + "/")

"""What the build context tells about the Go module: go.mod, go.sum, go.work,
vendor/modules.txt, .dockerignore and the Go sources. Read lazily, once."""

from __future__ import annotations

import fnmatch
import os
import re
from functools import cached_property, lru_cache
from pathlib import Path

from godockerlint.core.record import Frozen, _set

SKIP_DIRS = frozenset({".git", "node_modules", "vendor", "testdata", ".hg", ".svn"})
MAX_GO_FILES = 5000
_IMPORT_C_RE = re.compile(rb'^\s*import\s+(?:\(\s*)?"C"', re.M)
_FUNC_RE = re.compile(rb"^func[ \t]*[(A-Za-z_]", re.M)


class GoMod(Frozen):
    __slots__ = ("module", "go", "toolchain", "requires", "go_line", "toolchain_line", "local_replaces")

    def __init__(self, module: str | None, go: str | None, toolchain: str | None,
                 requires: tuple[tuple[str, str], ...] = (), go_line: int = 0, toolchain_line: int = 0,
                 local_replaces: tuple[tuple[str, str], ...] = ()) -> None:
        _set(self, "module", module)
        _set(self, "go", go)  # "1.22" / "1.22.3"
        _set(self, "toolchain", toolchain)  # "go1.23.1"
        _set(self, "requires", requires)
        _set(self, "go_line", go_line)
        _set(self, "toolchain_line", toolchain_line)
        _set(self, "local_replaces", local_replaces)  # (module, folder) of `replace m => ./folder`


def parse_go_mod(text: str) -> GoMod:
    module = go = toolchain = None
    go_line = toolchain_line = 0
    requires = []
    replaces = []
    in_block = False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if in_block:
            if line == ")":
                in_block = False
            elif block_kind == "require":
                parts = line.split()
                if len(parts) >= 2:
                    requires.append((parts[0].strip('"'), parts[1]))
            elif block_kind == "replace":
                _local_replace(line.split(), replaces)
            continue
        parts = line.split()
        kw = parts[0]
        if kw in ("require", "replace", "exclude", "retract", "tool", "ignore", "godebug") and parts[1:2] == ["("]:
            in_block, block_kind = True, kw
            continue
        if kw == "module" and len(parts) > 1:
            module = parts[1].strip('"')
        elif kw == "go" and len(parts) > 1:
            go, go_line = parts[1], n
        elif kw == "toolchain" and len(parts) > 1:
            toolchain, toolchain_line = parts[1], n
        elif kw == "require" and len(parts) >= 3:
            requires.append((parts[1].strip('"'), parts[2]))
        elif kw == "replace":
            _local_replace(parts[1:], replaces)
    return GoMod(module, go, toolchain, tuple(requires), go_line, toolchain_line, tuple(replaces))


def _local_replace(parts: list[str], out: list) -> None:
    """Adds (module, folder) for `module [version] => folder` when folder is a local path (./, ../ or /)."""
    if "=>" not in parts:
        return
    k = parts.index("=>")
    new = parts[k + 1:k + 2]
    if k and new:
        folder = new[0].strip('"')
        if folder.startswith(("./", "../", "/")) or folder in (".", ".."):
            out.append((parts[0].strip('"'), folder))


@lru_cache(maxsize=256)  # asked for the same few versions by many rules
def version_tuple(v: str | None) -> tuple[int, ...] | None:
    """'1.22', '1.22.3', 'go1.23rc1' -> (1, 22[, 3]); None when not a Go version."""
    if not v:
        return None
    m = re.match(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?", v)
    if not m:
        return None
    return tuple(int(x) for x in m.groups() if x is not None)


class DockerIgnore:
    """`.dockerignore` patterns with Docker's semantics (last match wins, `!` re-includes)."""

    def __init__(self, text: str) -> None:
        self.patterns: list[tuple[bool, str]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            neg = line.startswith("!")
            if neg:
                line = line[1:].strip()
            line = os.path.normpath(line).lstrip("/")
            if line == ".":
                continue
            self.patterns.append((neg, line))

    def ignored(self, rel: str) -> bool:
        rel = os.path.normpath(rel).lstrip("/")
        result = False
        for neg, pat in self.patterns:
            if _match(pat, rel):
                result = not neg
        return result


def _match(pattern: str, path: str) -> bool:
    if pattern.startswith("**/"):
        pattern = pattern[3:]
        parts = path.split("/")
        return any(_match(pattern, "/".join(parts[i:])) for i in range(len(parts)))
    if fnmatch.fnmatchcase(path, pattern):
        return True
    # a pattern matching a parent folder excludes everything under it
    parts = path.split("/")
    return any(fnmatch.fnmatchcase("/".join(parts[:i]), pattern) for i in range(1, len(parts)))


class BuildContext:
    """The build context directory; every property reads files lazily and once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _read(self, name: str) -> str | None:
        try:
            return (self.root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    @cached_property
    def go_mod(self) -> GoMod | None:
        text = self._read("go.mod")
        return parse_go_mod(text) if text is not None else None

    @cached_property
    def has_any_go_mod(self) -> bool:
        """Is there a go.mod at the root or in any folder of the context (a monorepo's modules)?"""
        if (self.root / "go.mod").is_file():
            return True
        seen = 0
        for _top, subdirs, files in os.walk(self.root):
            subdirs[:] = [d for d in subdirs if d not in SKIP_DIRS and not d.startswith(".")]
            if "go.mod" in files:
                return True
            seen += 1
            if seen > MAX_GO_FILES:
                return True  # too large to be sure: assume one
        return False

    @cached_property
    def has_go_sum(self) -> bool:
        return (self.root / "go.sum").is_file()

    @cached_property
    def has_go_work(self) -> bool:
        return (self.root / "go.work").is_file()

    @cached_property
    def has_vendor(self) -> bool:
        return (self.root / "vendor" / "modules.txt").is_file()

    @cached_property
    def has_git(self) -> bool:
        return (self.root / ".git").exists()

    @cached_property
    def dockerignore(self) -> DockerIgnore | None:
        text = self._read(".dockerignore")
        return DockerIgnore(text) if text is not None else None

    @cached_property
    def go_dirs(self) -> frozenset[str]:
        """Relative directories (posix, '.' for the root) that hold .go files."""
        dirs, _ = self._scan
        return dirs

    @cached_property
    def uses_cgo(self) -> bool:
        _, cgo = self._scan
        return cgo

    @cached_property
    def _scan(self) -> tuple[frozenset[str], bool]:
        dirs: set[str] = set()
        cgo = False
        seen = 0
        for top, rel, gos in self._go_files("."):
            dirs.add(rel)
            for f in gos:
                seen += 1
                if seen > MAX_GO_FILES:
                    return frozenset(dirs), cgo
                if not cgo and _imports_c(os.path.join(top, f)):
                    cgo = True
        return frozenset(dirs), cgo

    def _go_files(self, start: str):
        """(folder, its context-relative posix path, its .go files) for the folders at and below
        `start` that hold some, in sorted order; vendor/, testdata/, node_modules/, dot folders
        and what .dockerignore keeps out of the build are skipped, as BuildKit sends none of it.
        An excluded folder is not even listed, unless a `!` pattern could bring something back."""
        ignore = self.dockerignore
        prune = ignore is not None and not any(neg for neg, _ in ignore.patterns)
        for top, subdirs, files in os.walk(self.root if start == "." else self.root / start):
            rel = os.path.relpath(top, self.root).replace(os.sep, "/")
            if rel != "." and any(part in SKIP_DIRS or part.startswith(".") for part in rel.split("/")):
                subdirs[:] = []
                continue
            subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.startswith(".")
                                and not (prune and ignore.ignored(_join(rel, d))))
            gos = [f for f in files if f.endswith(".go")]
            if ignore is not None:
                gos = [f for f in gos if not ignore.ignored(_join(rel, f))]
            if gos:
                yield top, rel, gos

    def _holds_go_under(self, rel: str) -> bool:
        """Is there a .go file the build sees at or below the context folder `rel`? Stops at the first."""
        memo = self.__dict__.setdefault("_holds", {})
        if rel not in memo:
            memo[rel] = next(iter(self._go_files(rel)), None) is not None
        return memo[rel]

    def excluded(self, rel: str) -> bool:
        """Does .dockerignore keep the context path `rel` out of the build?"""
        ignore = self.dockerignore
        return ignore is not None and ignore.ignored(rel)

    def holds_go_sources(self, rel: str) -> bool:
        """Does the context path `rel` (a file or folder) contain .go files?"""
        rel = os.path.normpath(rel.lstrip("/")).replace(os.sep, "/")
        if rel.endswith(".go"):
            return True
        if rel in ("", "."):
            return self._holds_go_under(".")
        if rel.startswith("../") or rel == "..":
            return False
        return self._holds_go_under(rel)


def _join(rel: str, name: str) -> str:
    return name if rel == "." else f"{rel}/{name}"


def _imports_c(path: str) -> bool:
    """Does this Go file `import "C"`? Only its head is read: the import comes before the first
    function, and no more than 64 KB (a long cgo preamble) are read."""
    try:
        with open(path, "rb") as fh:
            head = b""
            while len(head) < 65536:
                part = fh.read(8192)
                if not part:
                    break
                head += part
                if b'"C"' in head and _IMPORT_C_RE.search(head):
                    return True
                m = _FUNC_RE.search(head)
                if m and head.count(b"/*", 0, m.start()) == head.count(b"*/", 0, m.start()):
                    return False  # a function outside any comment: the imports are behind
    except OSError:
        return False
    return False

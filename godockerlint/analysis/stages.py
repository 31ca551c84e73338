"""The facts of one stage (StageFacts: base, family, Go version, user, libc, compiler) and
of one RUN in it (RunFacts: its go commands, environment, cache mounts, exports)."""

from __future__ import annotations

import posixpath
from bisect import bisect_left
from collections.abc import Mapping
from typing import TYPE_CHECKING

from godockerlint.analysis.baseimage import defaults_known
from godockerlint.analysis.gocommands import GoCommand
from godockerlint.analysis.goversion import UNKNOWN, GoVersion
from godockerlint.analysis.words import covers, image_family, image_name, image_tag
from godockerlint.core.record import Record
from godockerlint.parse.model import Instruction, Mount, Stage
from godockerlint.parse.shell import SimpleCommand, expand

if TYPE_CHECKING:
    from godockerlint.analysis.facts import Facts

# Package managers and the packages that bring a C compiler (what makes CGO_ENABLED default to 1).
PACKAGE_MANAGERS = frozenset({"apk", "apt-get", "apt", "yum", "dnf", "microdnf", "zypper", "tdnf"})
C_COMPILER_PACKAGES = frozenset({"gcc", "clang", "build-base", "build-essential", "g++", "gcc-c++", "musl-gcc",
                                 "cc", "tcc"})


# Commands that may run go without showing it: build drivers and scripts (rules.md revision 2).
GO_DRIVERS = frozenset({"make", "gmake", "task", "mage", "goreleaser", "just", "bazel", "bazelisk", "earthly",
                        "go-task", "ko", "buf", "xx-go"})
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})


class RunFacts(Record):
    __slots__ = ("instruction", "stage", "facts", "env", "args_declared", "user", "home", "home_known", "workdir",
                 "commands", "go_commands", "sources_copied_before", "gomod_copied_before", "deps_ready_before",
                 "binds_sources", "binds_gomod", "is_dependency_step", "_exports", "_cwds")
    _no_repr = ("stage", "facts", "_exports", "_cwds")
    _no_compare = ("_exports", "_cwds")
    # one RUN of one analysis: the same object or a different RUN (`in`, `index` stay O(1) per item;
    # compared field by field, a RUN compared its stage and that stage its whole FROM chain)
    __eq__, __hash__ = object.__eq__, object.__hash__

    def __init__(self, instruction: Instruction, stage: StageFacts, facts: Facts, env: dict[str, str],
                 args_declared: frozenset[str], user: str | None, home: str, home_known: bool, workdir: str,
                 commands: list[tuple[SimpleCommand, int, bool]] | None = None, go_commands: list[GoCommand] | None = None,
                 sources_copied_before: Instruction | None = None, gomod_copied_before: Instruction | None = None,
                 deps_ready_before: RunFacts | None = None, binds_sources: bool = False, binds_gomod: bool = False,
                 is_dependency_step: bool = False, _exports: tuple | None = None, _cwds: dict | None = None) -> None:
        self.instruction = instruction
        self.stage = stage
        self.facts = facts
        self.env = env  # ENV + ARG in scope at this RUN (values expanded)
        self.args_declared = args_declared  # ARG names declared in the stage so far
        self.user = user
        self.home = home
        self.home_known = home_known
        self.workdir = workdir
        self.commands = [] if commands is None else commands  # (cmd, base offset, heredoc)
        self.go_commands = [] if go_commands is None else go_commands
        # layering, filled in by Facts._layering():
        self.sources_copied_before = sources_copied_before  # the COPY/ADD that brought the source tree in
        self.gomod_copied_before = gomod_copied_before  # a COPY that brought go.mod in (without the sources)
        self.deps_ready_before = deps_ready_before  # the dependency step that ran earlier
        self.binds_sources = binds_sources  # a bind mount shows the source tree (or the whole context)
        self.binds_gomod = binds_gomod  # a bind mount shows go.mod
        self.is_dependency_step = is_dependency_step
        self._exports = _exports  # (exported pairs, id(cmd) -> count before)
        self._cwds = _cwds  # id(command) -> its cd'd folder

    @property
    def fetching_commands(self) -> list[GoCommand]:
        return [g for g in self.go_commands if g.fetching]

    @property
    def cache_mounts(self) -> list[Mount]:
        return [m for m in self.instruction.mounts if m.type == "cache"]

    @property
    def bind_mounts(self) -> list[Mount]:
        return [m for m in self.instruction.mounts if m.type == "bind"]

    @property
    def gomod_in_place(self) -> bool:
        """Has go.mod been put where this RUN can see it (copied or bind-mounted, here or in an ancestor)?
        False when the build context is known and holds no go.mod (a GOPATH-era tree)."""
        ctx = self.facts.context
        if ctx is not None and ctx.go_mod is None:
            return False
        return bool(self.gomod_copied_before or self.sources_copied_before or self.binds_gomod or self.binds_sources)

    @property
    def may_run_go(self) -> bool:
        """Does this RUN run go, or may it (a build driver such as make, task, mage, goreleaser, or a script)?"""
        if self.go_commands:
            return True
        for cmd, _, _ in self.commands:
            name = cmd.name
            base = name.rsplit("/", 1)[-1]
            if base in GO_DRIVERS or base.endswith(".sh") or (name.startswith(("./", "../")) and base):
                return True
            if base in SHELLS and any(not w.value.startswith("-") for w in cmd.words[1:]):
                return True  # `sh build.sh`, `bash -c '...'` (a go inside it is already a go command)
        return False

    def removes(self, path: str, go_clean: str) -> bool:
        """Does this RUN delete `path` or a folder holding it (`rm -rf /go`, `rm -rf $GOPATH/pkg`), or clean it
        with `go clean -<go_clean>` (`modcache`, `cache`)?"""
        if any(g.subcommand == "clean" and go_clean in g.flags for g in self.go_commands):
            return True
        for cmd, _, _ in self.commands:
            if cmd.name.rsplit("/", 1)[-1] != "rm":
                continue
            for w in cmd.words[1:]:
                v = w.value
                if v.startswith("-"):
                    continue
                if v == "~" or v.startswith("~/"):
                    v = self.home + v[1:]
                if "$" in v:  # the shell's $HOME is the user's home even when no ENV sets it
                    v = expand(v, lambda n: self.env.get(n, self.home if n == "HOME" else None))
                v = posixpath.normpath(posixpath.join(self.workdir, v)) if v else v
                if v and covers(v.rstrip("/*") or "/", path):
                    return True
        return False

    def exports_before(self, gc: GoCommand) -> dict[str, str]:
        """`export VAR=x` values set by the commands before `gc` in this RUN (a copy)."""
        pairs, before, _ = self._export_index()
        return dict(pairs[:before.get(id(gc.command), before[None])])

    def exported(self, gc: GoCommand, name: str) -> str | None:
        """exports_before(gc).get(name), without building the dict: asked per go command and setting."""
        _, before, by_name = self._export_index()
        where = by_name.get(name)
        if where is None:
            return None
        k = bisect_left(where[0], before.get(id(gc.command), before[None]))
        return where[1][k - 1] if k else None

    def _export_index(self) -> tuple:
        if self._exports is None:  # one walk per RUN: a long script must not cost O(n²)
            pairs: list[tuple[str, str]] = []
            before: dict = {}  # id(command) -> how many exported pairs come before it
            by_name: dict[str, tuple[list[int], list[str]]] = {}  # name -> (positions in pairs, values)
            for cmd, _, _ in self.commands:
                before[id(cmd)] = len(pairs)
                if cmd.name == "export":
                    for w in cmd.words[1:]:
                        if "=" in w.value:
                            k, _, v = w.value.partition("=")
                            where = by_name.setdefault(k, ([], []))
                            where[0].append(len(pairs))
                            where[1].append(v)
                            pairs.append((k, v))
            before[None] = len(pairs)
            self._exports = (pairs, before, by_name)
        return self._exports

    def command_at(self, cmd: SimpleCommand) -> tuple[int, bool] | None:
        """(base offset, heredoc) of one of `commands`, or None: an index, not a scan per word."""
        memo = self.facts.__dict__.setdefault("_command_at", {})
        index = memo.get(id(self))
        if index is None:
            index = memo[id(self)] = {}
            for c, base, heredoc in self.commands:
                index.setdefault(id(c), (base, heredoc))
        return index.get(id(cmd))

    def resolve_gomodcache(self, gc: GoCommand | None = None) -> str:
        get = gc.setting if gc else self._setting
        explicit = get("GOMODCACHE")
        if explicit:
            return explicit
        gopath = get("GOPATH") or self.stage.default_gopath(self.home)
        return posixpath.join(gopath.split(":")[0], "pkg", "mod")

    def resolve_gocache(self, gc: GoCommand | None = None) -> str:
        get = gc.setting if gc else self._setting
        explicit = get("GOCACHE")
        if explicit:
            return explicit
        xdg = get("XDG_CACHE_HOME")
        base = xdg or posixpath.join(self.home, ".cache")
        return posixpath.join(base, "go-build")

    def _setting(self, name: str) -> str | None:
        return self.env.get(name) or self.stage.go_env_file.get(name) or None

    def setting(self, name: str) -> str | None:
        """A Go setting as a go command of this RUN without prefixes sees it (ENV/ARG, `go env -w`)."""
        return self._setting(name)


class StageFacts(Record):
    __slots__ = ("stage", "facts", "parent", "base", "root_base", "runs", "env", "go_env_file", "user", "workdir",
                 "arg_names", "sources_copied", "gomod_copied", "dependency_step", "go_version", "module_mode")
    _no_repr = ("facts",)
    __eq__, __hash__ = object.__eq__, object.__hash__  # one stage of one analysis (see RunFacts)

    def __init__(self, stage: Stage, facts: Facts, parent: StageFacts | None, base: str, root_base: str,
                 runs: list[RunFacts] | None = None, env: dict[str, str] | None = None,
                 go_env_file: dict[str, str] | None = None, user: str | None = None, workdir: str = "/",
                 arg_names: set[str] | None = None, sources_copied: Instruction | None = None,
                 gomod_copied: Instruction | None = None, dependency_step: RunFacts | None = None,
                 go_version: GoVersion = UNKNOWN, module_mode: bool = True) -> None:
        self.stage = stage
        self.facts = facts
        self.parent = parent
        self.base = base  # the FROM reference with variables expanded
        self.root_base = root_base  # the external image at the root of the FROM <stage> chain
        self.runs = [] if runs is None else runs
        self.env = {} if env is None else env  # ENV at the end of the stage
        self.go_env_file = {} if go_env_file is None else go_env_file  # `go env -w` at the end of the stage
        self.user = user
        self.workdir = workdir
        self.arg_names = set() if arg_names is None else arg_names
        self.sources_copied = sources_copied
        self.gomod_copied = gomod_copied
        self.dependency_step = dependency_step
        # godockerlint.analysis.goversion, filled in once the stage is analysed:
        self.go_version = go_version  # the stage's Go release (GoVersion; unknown = current)
        self.module_mode = module_mode  # its go commands run in module mode

    @property
    def index(self) -> int:
        return self.stage.index

    @property
    def label(self) -> str:
        return f"'{self.stage.name}'" if self.stage.name else f"#{self.stage.index}"

    @property
    def family(self) -> str:
        return image_family(self.root_base)

    @property
    def defaults_known(self) -> bool:
        """Are the base image's GOPATH/HOME/USER known (godockerlint.analysis.baseimage)? When not, a Go cache
        path that depends on them is a guess: the cache rules say it is unknown."""
        return defaults_known(self.root_base)

    @property
    def toolchain_base(self) -> bool:
        return self.family == "golang"

    @property
    def image_go_version(self) -> tuple[int, ...] | None:
        """The Go version a golang image's tag names (golang:1.22-alpine -> (1, 22)), else None."""
        if not self.toolchain_base:
            return None
        from godockerlint.analysis.buildcontext import version_tuple

        return version_tuple(image_tag(self.root_base) or "")

    @property
    def windows(self) -> bool:
        """A Windows container base (nanoserver, servercore): Linux paths and BuildKit mounts do not apply."""
        ref = self.root_base.lower()
        return any(w in ref for w in ("windows", "nanoserver", "servercore"))

    @property
    def go_commands(self) -> list[GoCommand]:
        return [g for r in self.runs for g in r.go_commands]

    @property
    def is_go(self) -> bool:
        return self.toolchain_base or any(r.go_commands for r in self.runs)

    @property
    def runs_go_binary(self) -> bool:
        """Is this a Go stage, or does it copy files from one (`COPY --from=<Go stage>`)?"""
        if self.is_go:
            return True
        df = self.facts.dockerfile
        for ins in self.stage.instructions:
            ref = ins.flag("from").value if ins.keyword in ("COPY", "ADD") and ins.flag("from") else None
            st = df.stage_by_ref(ref, before=self.index) if ref else None
            if st is not None and self.facts.stages[st.index].is_go:
                return True
        return bool(self.parent and self.parent.runs_go_binary)

    @property
    def installs_c_compiler(self) -> bool:
        """Does a RUN of this stage (or an ancestor) install a C compiler (gcc, clang, build-base...)?"""
        return bool(self.nearest("installs_c_compiler", StageFacts._runs_install_c_compiler))

    def nearest(self, key: str, own):
        """`own(stage)` of the nearest stage, this one first then its ancestors, where it is truthy;
        None when it is nowhere. Each stage's answer is worked out once per file (memo `key`), from
        its parent's: asked per go command or per stage, a walk over the ancestors would cost
        O(stages²) in a long FROM chain."""
        memo = self.facts.__dict__.setdefault("_nearest", {}).setdefault(key, {})
        chain, st = [], self
        while st is not None and st.index not in memo:
            chain.append(st)
            st = st.parent
        known = memo[st.index] if st is not None else None
        for st in reversed(chain):
            known = own(st) or known
            memo[st.index] = known
        return memo[self.index]

    def _runs_install_c_compiler(self) -> bool:
        for run in self.runs:
            for cmd, _, _ in run.commands:
                words = [w.value for w in cmd.words]
                if not words or words[0].rsplit("/", 1)[-1] not in PACKAGE_MANAGERS:
                    continue
                if any(w in C_COMPILER_PACKAGES or w.startswith(("gcc-", "clang-")) for w in words[1:]):
                    return True
        return False

    @property
    def libc(self) -> str | None:
        """"musl", "glibc" or None (no libc: scratch, distroless static) for this stage's base image."""
        ref = self.root_base.lower()
        name, tag = image_name(ref), image_tag(ref) or ""
        if ref == "scratch" or name.startswith("cgr.dev/chainguard/static"):
            return None
        if "distroless" in name:
            return None if "/static" in name else "glibc"
        if self.family in ("alpine",) or "alpine" in tag or name.endswith("/alpine"):
            return "musl"
        return "glibc"

    @property
    def has_c_compiler(self) -> bool:
        """Can go find a C compiler here (so CGO_ENABLED defaults to 1)? Official non-alpine golang images
        ship gcc; alpine variants and other bases need one installed."""
        if self.toolchain_base and self.libc == "glibc":
            return True
        return self.installs_c_compiler

    def default_gopath(self, home: str) -> str:
        chain = self
        while chain is not None:
            if chain.parent is None and chain.toolchain_base:
                return "/go" if image_name(chain.root_base.lower()).endswith("golang") else posixpath.join(home, "go")
            chain = chain.parent
        return posixpath.join(home, "go")

    @property
    def ancestors(self) -> list["StageFacts"]:
        out, p = [], self.parent
        while p is not None:
            out.append(p)
            p = p.parent
        return out


_MISSING = object()


class Env(Mapping):
    """An environment (name -> value) that shares its ancestors' entries instead of copying them.

    A node holds its own entries and a parent node; a lookup walks up to the nearest node that
    sets the name and memoises the answer on every node it passed (a FROM chain of thousands of
    stages, each adding an ENV, is then linear: a copy per stage and per RUN was quadratic).
    Only the newest node of a chain takes writes (`set`); `frozen()` marks it shared (a RUN's
    snapshot, the end of a stage) and the next write starts a child node. Reads as a dict does;
    iteration builds the whole mapping (O(size): for the few callers that need it)."""

    __slots__ = ("_parent", "_own", "_memo", "_shared", "_size")
    FLAT = 64  # a parent with at most this many entries is copied, not shared: a dict's lookups are faster

    def __init__(self, parent: Env | None = None, own: dict[str, str] | None = None) -> None:
        own = {} if own is None else own
        if parent is not None:
            parent._shared = True
            if parent._size <= self.FLAT:
                own = {**parent._whole(), **own}
                parent = None
        self._parent = parent
        self._own = own
        self._memo: dict[str, object] = {}  # name -> what the ancestors give it (_MISSING: nothing)
        self._shared = False
        self._size = len(own) + (parent._size if parent is not None else 0)  # entries, or more (overrides)

    def set(self, name: str, value: str) -> Env:
        """This environment with `name` set: itself, or a child node when it is shared."""
        node = Env(self) if self._shared else self
        if name not in node._own:
            node._size += 1
        node._own[name] = value
        return node

    def frozen(self) -> Env:
        self._shared = True
        return self

    def _lookup(self, name: str):
        v = self._own.get(name, _MISSING)
        if v is not _MISSING:
            return v
        v = self._memo.get(name, _MISSING)
        if v is not _MISSING or name in self._memo:
            return v
        passed = [self]
        node = self._parent
        v = _MISSING
        while node is not None:
            v = node._own.get(name, _MISSING)
            if v is not _MISSING:
                break
            if name in node._memo:
                v = node._memo[name]
                break
            passed.append(node)
            node = node._parent
        for n in passed:
            n._memo[name] = v
        return v

    def get(self, name, default=None):
        v = self._own.get(name, _MISSING)
        if v is _MISSING:
            if self._parent is None:
                return default
            v = self._lookup(name)
        return default if v is _MISSING else v

    def __getitem__(self, name):
        v = self._lookup(name)
        if v is _MISSING:
            raise KeyError(name)
        return v

    def __contains__(self, name) -> bool:
        return self._lookup(name) is not _MISSING

    def _whole(self) -> dict[str, str]:
        chain = []
        node = self
        while node is not None:
            chain.append(node._own)
            node = node._parent
        out: dict[str, str] = {}
        for own in reversed(chain):
            out.update(own)
        return out

    def __iter__(self):
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def __repr__(self) -> str:
        return repr(self._whole())


def home_for(user: str | None, env: dict[str, str]) -> tuple[str, bool]:
    if env.get("HOME"):
        return env["HOME"], True
    if user is None:
        return "/root", True
    name = user.split(":", 1)[0]
    if name in ("root", "0"):
        return "/root", True
    if name.isdigit():
        return "/", False  # no passwd entry known: Docker uses "/"; an adduser'd uid has /home/<name>
    return f"/home/{name}", False

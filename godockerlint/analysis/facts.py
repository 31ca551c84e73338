"""Go facts about a parsed Dockerfile, computed once and shared by every rule.

Resolves ARG scope and ENV per stage (with `FROM <stage>` inheritance), USER and
HOME, WORKDIR, the final stage, which stages are Go stages, every go command in
every RUN (subcommand, flags, env prefixes, `-o` output), the effective Go
environment of each RUN (GOMODCACHE, GOCACHE, GOPROXY, GOFLAGS...) and its cache
mounts. The definitions follow the rule catalogue's "shared definitions".
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_left
from functools import cached_property, lru_cache

from godockerlint.analysis.baseimage import base_env, base_user, defaults_known
from godockerlint.analysis.buildcontext import BuildContext
from godockerlint.analysis.goversion import UNKNOWN, GoVersion, stage_go_version, stage_module_mode
from godockerlint.parse.model import Dockerfile, Instruction, Mount, Span, Stage
from godockerlint.core.record import Frozen, Record, _set
from godockerlint.parse.shell import ShellWord, SimpleCommand, expand, key_values, split_commands

# Subcommands that may download modules (rules.md, "Fetching go command").
FETCHING = frozenset({"mod download", "build", "install", "test", "run", "get", "mod tidy", "mod vendor",
                      "mod verify", "mod graph"})
COMPILING = frozenset({"build", "install", "test", "vet", "run"})
TWO_LEVEL = frozenset({"mod", "work", "env", "tool", "telemetry"})
# go flags that take a value (everything else is boolean)
VALUE_FLAGS = frozenset({
    "o", "ldflags", "gcflags", "asmflags", "gccgoflags", "tags", "mod", "modfile", "p", "pkgdir",
    "installsuffix", "buildmode", "compiler", "overlay", "pgo", "toolexec", "C", "coverpkg", "covermode",
    "run", "bench", "count", "timeout", "exec", "cpu", "parallel", "benchtime", "coverprofile", "cpuprofile",
    "memprofile", "blockprofile", "mutexprofile", "outputdir", "trace", "vet", "skip", "shuffle", "fuzz",
    "fuzztime", "f", "json", "reuse", "x-buildid",
})
BOOL_VALUE_FLAGS = frozenset({"buildvcs", "json", "trimpath", "race", "a", "v", "x", "n"})
GO_WRAPPERS = frozenset({"env", "time", "exec", "nohup", "sudo", "command", "nice", "xargs", "timeout"})
TOOLCHAIN_IMAGE_RE = re.compile(
    r"^(?:(?:docker\.io/)?(?:library/)?golang|[^:@]+/golang|cgr\.dev/chainguard/go(?:-fips)?|"
    r"[^:@]*/go-toolset|[^:@]*/golang-\d+[^:@]*)(?:[:@].*)?$"
)


# Package managers and the packages that bring a C compiler (what makes CGO_ENABLED default to 1).
PACKAGE_MANAGERS = frozenset({"apk", "apt-get", "apt", "yum", "dnf", "microdnf", "zypper", "tdnf"})
C_COMPILER_PACKAGES = frozenset({"gcc", "clang", "build-base", "build-essential", "g++", "gcc-c++", "musl-gcc",
                                 "cc", "tcc"})

# `COPY $PWD ./`: PWD is no build variable, so the source is empty, i.e. the whole context
WHOLE_CONTEXT_VARS = frozenset({"$PWD", "${PWD}", "$PWD/", "${PWD}/"})
# Commands that may run go without showing it: build drivers and scripts (rules.md revision 2).
GO_DRIVERS = frozenset({"make", "gmake", "task", "mage", "goreleaser", "just", "bazel", "bazelisk", "earthly",
                        "go-task", "ko", "buf", "xx-go"})
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})

# Without a build context, these folders are taken to hold Go packages.
CONVENTIONAL_SOURCE_DIRS = frozenset({"cmd", "internal", "pkg", "src", "app", "api", "server"})


def copy_sources(ins: Instruction) -> list[str]:
    """The source arguments of a COPY/ADD (every argument but the destination)."""
    if ins.json_args is not None:
        args = list(ins.json_args)
    else:
        from godockerlint.parse.shell import split_words

        args = [w.value for w in split_words(ins.args)]
    return args[:-1]


def copy_destination(ins: Instruction) -> str:
    if ins.json_args is not None:
        return ins.json_args[-1] if ins.json_args else "."
    from godockerlint.parse.shell import split_words

    words = split_words(ins.args)
    return words[-1].value if words else "."


def image_name(ref: str) -> str:
    """The repository part of an image reference (no tag, no digest)."""
    ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
    return ref


def image_tag(ref: str) -> str | None:
    ref_nodigest = ref.split("@", 1)[0]
    last = ref_nodigest.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def is_toolchain_image(ref: str) -> bool:
    return bool(TOOLCHAIN_IMAGE_RE.match(ref.lower()))


@lru_cache(maxsize=256)  # asked for each stage by many rules
def image_family(ref: str) -> str:
    """golang, distroless, scratch, alpine, debian, ubuntu, busybox, chainguard-static, other."""
    name = image_name(ref.lower())
    short = name.rsplit("/", 1)[-1]
    if ref.lower() == "scratch":
        return "scratch"
    if is_toolchain_image(ref):
        return "golang"
    if "distroless" in name:
        return "distroless"
    if short in ("alpine", "debian", "ubuntu", "busybox", "centos", "fedora", "amazonlinux"):
        return short
    if short.startswith("ubi") or "redhat" in name:
        return "rhel"
    return "other"


def image_shell(ref: str) -> str | None:
    """The shell a base image provides: "/bin/sh" for ordinary images, "/busybox/sh" for the
    distroless `:debug` variants (busybox lives in /busybox; /bin/sh does not exist), None for
    images without a shell (scratch, distroless, Chainguard static)."""
    low = ref.lower()
    if low == "scratch":
        return None
    name = image_name(low)
    tag = image_tag(low) or ""
    if "distroless" in name:
        return "/busybox/sh" if tag.startswith("debug") else None
    if name.startswith("cgr.dev/chainguard/static"):
        return None
    return "/bin/sh"


def covers(target: str | None, path: str | None) -> bool:
    """Does a mount at `target` contain `path`?"""
    if not target or not path:
        return False
    t = posixpath.normpath(target)
    p = posixpath.normpath(path)
    return p == t or p.startswith(t.rstrip("/") + "/")


class GoCommand(Record):
    __slots__ = ("instruction", "command", "words", "subcommand", "flags", "flag_words", "packages", "env", "span",
                 "in_heredoc", "run", "_go_env", "_fetching")
    _no_repr = ("run", "_go_env", "_fetching")
    _no_compare = ("_go_env", "_fetching")

    def __init__(self, instruction: Instruction, command: SimpleCommand, words: list[ShellWord], subcommand: str,
                 flags: dict[str, str], flag_words: dict[str, ShellWord], packages: list[str], env: dict[str, str],
                 span: Span, in_heredoc: bool, run: RunFacts = None, _go_env: dict[str, str] | None = None,
                 _fetching: bool | None = None) -> None:
        self.instruction = instruction
        self.command = command
        self.words = words  # from `go` on
        self.subcommand = subcommand  # "build", "mod download", "env", ...
        self.flags = flags  # name (without dashes) -> value ("true" for booleans); last wins
        self.flag_words = flag_words
        self.packages = packages  # positional arguments after the subcommand
        self.env = env  # inline VAR=x prefixes (and `env VAR=x`)
        self.span = span  # the go command in the file
        self.in_heredoc = in_heredoc
        self.run = run
        # computed once, on first use (after the analysis has seen the whole stage): rules ask often
        self._go_env = _go_env
        self._fetching = _fetching

    @property
    def output(self) -> str | None:
        return self.flags.get("o")

    @property
    def go_env(self) -> dict[str, str]:
        """Effective Go environment of this command: the RUN's plus its own prefixes (a copy)."""
        return dict(self._effective_env())

    def _effective_env(self) -> dict[str, str]:
        # Computed on first use, after the analysis has seen every command of the RUN (as exports_before).
        env = self._go_env
        if env is None:
            env = dict(self.run.env)
            env.update(self.run.exports_before(self))
            env.update(self.env)
            self._go_env = env
        return env

    def setting(self, name: str) -> str | None:
        """A Go setting as go would see it: process env, else `go env -w`, else None."""
        # _effective_env()'s answer without copying the RUN's whole environment per go command
        if name in self.env:
            v = self.env[name]
        else:
            v = self.run.exported(self, name)
            if v is None:
                v = self.run.env.get(name)
        if v:
            return v
        return self.run.stage.go_env_file.get(name) or None

    @property
    def vendored(self) -> bool:
        mod = self.flags.get("mod")
        goflags = self.setting("GOFLAGS") or ""
        if mod == "vendor" or "-mod=vendor" in goflags:
            return True
        if mod in ("mod", "readonly") or re.search(r"-mod=(mod|readonly)", goflags):
            return False
        ctx = self.run.facts.context
        if ctx is not None and ctx.has_vendor:
            from godockerlint.analysis.buildcontext import version_tuple

            gm = ctx.go_mod
            v = version_tuple(gm.go if gm else None)
            return v is not None and v >= (1, 14)
        if ctx is None:  # no context to read: a `COPY vendor/ vendor/` says the tree is vendored (Go >= 1.14)
            from godockerlint.analysis.stageinputs import vendor_copied

            return vendor_copied(self.run) and self.run.stage.go_version.vendor_by_default
        return False

    @property
    def proxy_off(self) -> bool:
        return (self.setting("GOPROXY") or "").strip() == "off"

    @property
    def fetching(self) -> bool:
        if self._fetching is None:
            sub = self.subcommand
            if sub == "list":
                fetch = "m" in self.flags
            else:
                fetch = sub in FETCHING
            self._fetching = (fetch and not self.vendored and not self.proxy_off and not self.no_requirements
                              and not self.gopath_mode and not self.nothing_to_fetch)
        return self._fetching

    @property
    def nothing_to_fetch(self) -> bool:
        """No go.mod can be in view (a single-file `go build main.go`) and no package is asked for by a
        module path: go has no module to download (godockerlint.analysis.stageinputs)."""
        from godockerlint.analysis.stageinputs import may_see_gomod

        if may_see_gomod(self.run):
            return False
        sub = self.subcommand
        remote = [p for p in self.packages if not p.startswith((".", "/")) and "." in p.split("/", 1)[0]]
        if sub == "get":
            return not remote
        return not any("@" in p for p in remote)

    @property
    def gopath_mode(self) -> bool:
        """GOPATH mode: no modules, no proxy, no module cache. From the stage's Go version and what
        this RUN sees (goversion.run_module_mode): Go < 1.11, GO111MODULE=off, or Go 1.11-1.15 with
        no go.mod in view (or inside $GOPATH/src before 1.13)."""
        from godockerlint.analysis.goversion import run_module_mode

        return not run_module_mode(self.run, self.env.get("GO111MODULE") or self.run.exports_before(self).get(
            "GO111MODULE"))

    @property
    def no_requirements(self) -> bool:
        """The context's go.mod requires nothing: there is no module to download."""
        ctx = self.run.facts.context
        return ctx is not None and ctx.go_mod is not None and not ctx.go_mod.requires

    @property
    def compiling(self) -> bool:
        return self.subcommand in COMPILING

    @property
    def links_statically(self) -> bool:
        """`-ldflags` asks the external linker for a static binary (`-extldflags -static`)."""
        ld = self.flags.get("ldflags", "")
        return "-extldflags" in ld and "-static" in ld.split("-extldflags", 1)[1]

    @property
    def gomodcache(self) -> str:
        return self.run.resolve_gomodcache(self)

    @property
    def gocache(self) -> str:
        return self.run.resolve_gocache(self)


class RunFacts(Record):
    __slots__ = ("instruction", "stage", "facts", "env", "args_declared", "user", "home", "home_known", "workdir",
                 "commands", "go_commands", "sources_copied_before", "gomod_copied_before", "deps_ready_before",
                 "binds_sources", "binds_gomod", "is_dependency_step", "_exports", "_cwds")
    _no_repr = ("stage", "facts", "_exports", "_cwds")
    _no_compare = ("_exports", "_cwds")

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
        return self.toolchain_base or bool(self.go_commands)

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


class Facts:
    def __init__(self, df: Dockerfile, context: BuildContext | None = None, target: str | None = None,
                 build_args: dict[str, str] | None = None) -> None:
        self.dockerfile = df
        self.context = context
        self.target = target
        self.build_args = build_args or {}
        self.global_args: dict[str, str | None] = {}
        self.global_arg_instructions: dict[str, Instruction] = {}
        self.stages: list[StageFacts] = []
        self._workdir_at: dict[int, str] = {}
        self._user_at: dict[int, str | None] = {}
        self._analyse()

    # -- public --------------------------------------------------------------------
    @cached_property
    def final(self) -> StageFacts:
        if self.target:
            st = self.dockerfile.stage_by_ref(self.target)
            if st is not None:
                return self.stages[st.index]
        return self.stages[-1]

    @cached_property
    def final_needs(self):
        """What the final image needs at run time (godockerlint.analysis.finalneeds), computed once."""
        from godockerlint.analysis.finalneeds import compute

        return compute(self)

    def stage_of(self, ins: Instruction) -> StageFacts | None:
        return self.stages[ins.stage] if ins.stage >= 0 else None

    def workdir_at(self, ins: Instruction) -> str:
        """The WORKDIR in effect when `ins` runs (before its own effect)."""
        return self._workdir_at.get(ins.index, "/")

    def user_at(self, ins: Instruction) -> str | None:
        return self._user_at.get(ins.index)

    def run_of(self, ins: Instruction) -> RunFacts | None:
        st = self.stage_of(ins)
        if st is None:
            return None
        for r in st.runs:
            if r.instruction is ins:
                return r
        return None

    def command_span(self, run: RunFacts, start: int, end: int, base: int, heredoc: bool) -> Span:
        ins = run.instruction
        lines = self.dockerfile.lines
        if heredoc:
            return lines.span(base + start, base + end)
        return lines.span(ins.text_offset(start), ins.text_offset(max(end - 1, start)) + 1)

    def word_span(self, gc: GoCommand, word: ShellWord) -> Span:
        at = gc.run.command_at(gc.command)
        if at is not None:
            return self.command_span(gc.run, word.start, word.end, at[0], at[1])
        return gc.span

    # -- analysis ------------------------------------------------------------------
    def _analyse(self) -> None:
        df = self.dockerfile
        for ins in df.global_instructions:
            for k, v, _ in key_values(ins.args, legacy=False):
                val = self.build_args.get(k, v)
                self.global_args[k] = expand(val, self._global_lookup) if val is not None else None
                self.global_arg_instructions[k] = ins
        for st in df.stages:
            self.stages.append(self._analyse_stage(st))

    def _global_lookup(self, name: str) -> str | None:
        return self.global_args.get(name)

    def _analyse_stage(self, st: Stage) -> StageFacts:
        base = expand(st.base, self._global_lookup)
        parent_stage = self.dockerfile.stage_by_ref(base, before=st.index) if not base.isdigit() else None
        parent = self.stages[parent_stage.index] if parent_stage is not None else None
        sf = StageFacts(
            stage=st,
            facts=self,
            parent=parent,
            base=base,
            root_base=parent.root_base if parent else base,
        )
        if parent is not None:
            env = dict(parent.env)
            sf.go_env_file = dict(parent.go_env_file)
            user = parent.user
            workdir = parent.workdir
        else:
            env = self._image_env(base)
            user = base_user(base)
            workdir = "/go" if image_family(base) == "golang" and image_name(base.lower()).endswith("golang") else "/"
        args: dict[str, str | None] = {}

        def lookup(name: str) -> str | None:
            if name in args:
                return args[name] if args[name] is not None else None
            return env.get(name)

        for ins in st.instructions:
            self._workdir_at[ins.index] = workdir
            self._user_at[ins.index] = user
            kw = ins.keyword
            if kw == "ARG":
                for k, v, _ in key_values(ins.args, legacy=False):
                    if k in self.build_args:
                        val = self.build_args[k]
                    elif v is not None:
                        val = expand(v, lookup)
                    else:
                        val = self.global_args.get(k)
                    args[k] = val
                    sf.arg_names.add(k)
            elif kw == "ENV":
                for k, v, _ in key_values(ins.args):
                    env[k] = expand(v or "", lookup)
            elif kw == "USER":
                user = expand(ins.args.strip(), lookup)
            elif kw == "WORKDIR":
                wd = expand(ins.args.strip(), lookup)
                workdir = posixpath.normpath(posixpath.join(workdir, wd))
            elif kw == "RUN":
                run_env = {**env, **{k: v for k, v in args.items() if v is not None}}
                home, known = home_for(user, run_env)
                run = RunFacts(ins, sf, self, run_env, frozenset(args), user, home, known, workdir)
                self._analyse_run(run)
                sf.runs.append(run)
        sf.env = env
        sf.user = user
        sf.workdir = workdir
        sf.go_version = stage_go_version(sf)  # before the layering: a RUN's module mode needs it
        self._layering(sf)
        sf.module_mode = stage_module_mode(sf)
        return sf

    # -- layer order ---------------------------------------------------------------
    def _layering(self, sf: StageFacts) -> None:
        """Where the source tree, go.mod and the dependency step come in, per RUN."""
        p = sf.parent
        sources = p.sources_copied if p else None
        gomod = p.gomod_copied if p else None
        deps = p.dependency_step if p else None
        runs = {id(r.instruction): r for r in sf.runs}
        for ins in sf.stage.instructions:
            if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and not ins.heredocs:
                srcs = copy_sources(ins)
                if any(self.is_source_path(x) for x in srcs):
                    sources = sources or ins
                elif any(posixpath.basename(x.rstrip("/")).startswith("go.mod") or x.startswith("go.*") for x in srcs):
                    gomod = gomod or ins
            run = runs.get(id(ins))
            if run is None:
                continue
            for m in run.bind_mounts:
                if m.from_:
                    continue
                src = m.source or "."
                if self.is_source_path(src):
                    run.binds_sources = True
                elif posixpath.basename(src) == "go.mod":
                    run.binds_gomod = True
            run.sources_copied_before = sources
            run.gomod_copied_before = gomod
            run.deps_ready_before = deps
            # `go mod download` fills the module cache even in a vendored tree (a later -mod=mod build uses it)
            if deps is None and sources is None and (
                    run.fetching_commands or any(g.subcommand == "mod download" for g in run.go_commands)):
                run.is_dependency_step = True
                deps = run
        sf.sources_copied = sources
        sf.gomod_copied = gomod
        sf.dependency_step = deps

    def is_source_path(self, src: str) -> bool:
        """Does this COPY/bind source bring Go sources (the tree, a .go file, a package folder)?"""
        s = src.strip()
        if s in WHOLE_CONTEXT_VARS:
            s = "."  # `COPY $PWD ./`: the variable is empty in the build, the source is the context
        norm = posixpath.normpath(s.lstrip("/")) if s not in ("", "/") else "."
        if norm in (".", "*", "./*") or s in ("./", "/") or norm.endswith(".go") or "*" in norm.split("/")[-1] and norm.endswith("go"):
            return True
        if posixpath.basename(norm).startswith(("go.mod", "go.sum", "go.work")):
            return False
        ctx = self.context
        if ctx is not None:
            return ctx.holds_go_sources(norm)
        return norm.split("/")[0] in CONVENTIONAL_SOURCE_DIRS

    def _image_env(self, base: str) -> dict[str, str]:
        return base_env(base)

    def _analyse_run(self, run: RunFacts) -> None:
        ins = run.instruction
        scripts: list[tuple[str, int, bool]] = []
        if ins.json_args is not None:
            argv = list(ins.json_args)
            if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash") and argv[1] in ("-c", "-ec", "-ex", "-exc", "-euc", "-eux"):
                scripts.append((argv[2], ins.args_span.start, True))
            else:
                from shlex import quote

                scripts.append((" ".join(quote(a) for a in argv), ins.args_span.start, True))
        else:
            command_part = re.sub(r"(^|\s)\d*<<-?\S+", " ", ins.args) if ins.heredocs else ins.args
            scripts.append((ins.args, 0, False))
            for h in ins.heredocs:
                if _heredoc_is_script(command_part, h.body):
                    scripts.append((h.body, h.body_span.start, True))
        for script, base, heredoc in scripts:
            for cmd in split_commands(script):
                run.commands.append((cmd, base, heredoc))
                gc = self._go_command(run, cmd, base, heredoc)
                if gc is not None:
                    run.go_commands.append(gc)
                    if gc.subcommand == "env" and "w" in gc.flags:
                        for p in gc.packages:
                            if "=" in p:
                                k, _, v = p.partition("=")
                                run.stage.go_env_file[k] = v

    def _go_command(self, run: RunFacts, cmd: SimpleCommand, base: int, heredoc: bool) -> GoCommand | None:
        words = cmd.words
        env = cmd.env()
        k = 0
        while k < len(words) and words[k].value.rsplit("/", 1)[-1] in GO_WRAPPERS:
            k += 1
            while k < len(words) and (words[k].value.startswith("-") or "=" in words[k].value):
                if "=" in words[k].value and not words[k].value.startswith("-"):
                    key, _, v = words[k].value.partition("=")
                    env[key] = v
                k += 1
        if k >= len(words):
            return None
        prog = words[k].value.rsplit("/", 1)[-1]
        if prog not in ("go", "xx-go"):
            return None
        rest = words[k + 1:]
        # skip flags before the subcommand (rare: go -C dir build)
        while rest and rest[0].value.startswith("-"):
            rest = rest[1:]
        if not rest:
            return None
        sub = rest[0].value
        rest = rest[1:]
        if sub in TWO_LEVEL and rest and not rest[0].value.startswith("-"):
            sub = f"{sub} {rest[0].value}"
            rest = rest[1:]
        flags: dict[str, str] = {}
        flag_words: dict[str, ShellWord] = {}
        packages: list[str] = []
        i = 0
        while i < len(rest):
            w = rest[i]
            v = w.value
            if v == "--":
                packages.extend(x.value for x in rest[i + 1:])
                break
            if v.startswith("-") and len(v) > 1 and not (sub == "env" and "=" in v and not v.startswith("-")):
                name = v.lstrip("-")
                if "=" in name:
                    name, _, val = name.partition("=")
                elif name in VALUE_FLAGS and name not in BOOL_VALUE_FLAGS and i + 1 < len(rest):
                    i += 1
                    val = rest[i].value
                else:
                    val = "true"
                flags[name] = val
                flag_words[name] = w
            else:
                packages.append(v)
            i += 1
        span = self.command_span(run, cmd.start, cmd.end, base, heredoc)
        gc = GoCommand(run.instruction, cmd, words[k:], sub, flags, flag_words, packages, env, span, heredoc)
        gc.run = run
        return gc


def _heredoc_is_script(command_part: str, body: str) -> bool:
    """Is this heredoc body run by the shell (RUN <<EOF, RUN sh <<EOF, RUN bash -e <<EOF)?"""
    if body.startswith("#!"):
        first = body.split("\n", 1)[0]
        return any(s in first for s in ("/sh", "bash", "/ash", "dash", "env sh"))
    words = command_part.split()
    words = [w for w in words if not re.match(r"^\d*[<>]", w)]
    if not words:
        return True
    prog = words[0].rsplit("/", 1)[-1]
    return prog in ("sh", "bash", "ash", "dash", "zsh") and all(w.startswith("-") and "c" not in w for w in words[1:])


# -- where variables are set ---------------------------------------------------------
class Assignment(Frozen):
    """One place where the Dockerfile gives a variable a value (or declares it)."""

    __slots__ = ("name", "value", "span", "instruction", "kind", "stage", "run")

    def __init__(self, name: str, value: str | None, span: Span, instruction: Instruction, kind: str,
                 stage: StageFacts | None, run: RunFacts | None = None) -> None:
        _set(self, "name", name)
        _set(self, "value", value)  # as written (quotes removed, variables unexpanded); None for a bare ARG
        _set(self, "span", span)  # the NAME=value word (for a legacy `ENV NAME value`, name to end of value)
        _set(self, "instruction", instruction)
        # "global-arg", "arg", "env", "inline" (VAR=x cmd, env VAR=x), "export", "go-env-w"
        _set(self, "kind", kind)
        _set(self, "stage", stage)
        _set(self, "run", run)


def instruction_word_span(df: Dockerfile, ins: Instruction, word: ShellWord, end: int | None = None) -> Span:
    """The file span of a word of `ins.args` (as split by shell.split_words / key_values)."""
    stop = word.end if end is None else end
    start = ins.text_offset(word.start)
    return df.lines.span(start, ins.text_offset(max(stop - 1, word.start)) + 1)


def shell_word_span(facts: "Facts", run: RunFacts, cmd: SimpleCommand, word: ShellWord) -> Span:
    """The file span of a word of one of `run.commands`."""
    at = run.command_at(cmd)
    if at is not None:
        return facts.command_span(run, word.start, word.end, at[0], at[1])
    return run.instruction.span


def assignments(facts: "Facts", names: frozenset[str] | set[str] | None = None) -> list[Assignment]:
    """Every ARG/ENV/inline/export/`go env -w` assignment of the file, in file order.

    Computed once per file (several rules and the redaction ask), then filtered by `names`."""
    every = facts.__dict__.get("_assignments")
    if every is None:
        every = facts.__dict__["_assignments"] = tuple(_assignments(facts))
    return [a for a in every if names is None or a.name in names]


def _assignments(facts: "Facts", names: frozenset[str] | set[str] | None = None) -> list[Assignment]:
    df = facts.dockerfile
    out: list[Assignment] = []

    def want(k: str) -> bool:
        return names is None or k in names

    for ins in df.global_instructions:
        if ins.keyword == "ARG":
            for k, v, w in key_values(ins.args, legacy=False):
                if want(k):
                    out.append(Assignment(k, v, instruction_word_span(df, ins, w), ins, "global-arg", None))
    for sf in facts.stages:
        runs = {id(r.instruction): r for r in sf.runs}
        for ins in sf.stage.instructions:
            if ins.keyword in ("ARG", "ENV"):
                legacy = ins.keyword == "ENV"
                pairs = key_values(ins.args, legacy=legacy)
                for k, v, w in pairs:
                    if not want(k):
                        continue
                    end = None
                    if legacy and v is not None and "=" not in w.raw:
                        end = len(ins.args.rstrip())
                    out.append(Assignment(k, v, instruction_word_span(df, ins, w, end), ins, ins.keyword.lower(), sf))
            run = runs.get(id(ins))
            if run is None:
                continue
            go_of = {id(g.command): g for g in reversed(run.go_commands)}  # the first of each command
            for cmd, _, _ in run.commands:
                found: list[tuple[ShellWord, str]] = [(w, "inline") for w in cmd.assignments]
                words = cmd.words
                name = cmd.name.rsplit("/", 1)[-1]
                if name == "env":
                    for w in words[1:]:
                        if "=" in w.value and not w.value.startswith("-"):
                            found.append((w, "inline"))
                        elif not w.value.startswith("-"):
                            break
                elif name in ("export", "declare", "typeset", "readonly"):
                    found += [(w, "export") for w in words[1:] if "=" in w.value and not w.value.startswith("-")]
                gc = go_of.get(id(cmd))
                if gc is not None and gc.subcommand == "env" and "w" in gc.flags:
                    for w in gc.words:
                        if "=" in w.value and not w.value.startswith("-"):
                            found.append((w, "go-env-w"))
                for w, kind in found:
                    k, _, v = w.value.partition("=")
                    if want(k):
                        out.append(Assignment(k, v, shell_word_span(facts, run, cmd, w), ins, kind, sf, run))
    return out


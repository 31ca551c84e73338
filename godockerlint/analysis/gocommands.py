"""One go command of a RUN: its subcommand, flags, env prefixes, output and the Go settings
in effect for it (rules.md, "Fetching go command")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from godockerlint.core.record import Record
from godockerlint.parse.model import Instruction, Span
from godockerlint.parse.shell import ShellWord, SimpleCommand, split_commands

if TYPE_CHECKING:
    from godockerlint.analysis.stages import RunFacts

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


_UNSET = object()
_VENDORED = ("vendored",)  # a memo key no setting name can be


class GoCommand(Record):
    __slots__ = ("instruction", "command", "words", "subcommand", "flags", "flag_words", "packages", "env", "span",
                 "in_heredoc", "run", "_go_env", "_fetching", "_memo")
    _no_repr = ("run", "_go_env", "_fetching", "_memo")
    _no_compare = ("_go_env", "_fetching", "_memo")

    def __init__(self, instruction: Instruction, command: SimpleCommand, words: list[ShellWord], subcommand: str,
                 flags: dict[str, str], flag_words: dict[str, ShellWord], packages: list[str], env: dict[str, str],
                 span: Span, in_heredoc: bool, run: RunFacts = None, _go_env: dict[str, str] | None = None,
                 _fetching: bool | None = None, _memo: dict | None = None) -> None:
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
        # settings and `vendored` as rules ask them: a dict once the analysis is complete (Facts),
        # None while it runs (a stage's later `go env -w` is not known yet)
        self._memo = _memo

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
        memo = self._memo
        if memo is not None:
            got = memo.get(name, _UNSET)
            if got is _UNSET:
                got = memo[name] = self._setting(name)
            return got
        return self._setting(name)

    def _setting(self, name: str) -> str | None:
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
        memo = self._memo
        if memo is None:
            return self._vendored()
        got = memo.get(_VENDORED)
        if got is None:
            got = memo[_VENDORED] = self._vendored()
        return got

    def _vendored(self) -> bool:
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
        if ctx is None or ctx.go_mod is None:
            # no context to read, or one without go.mod (not the one built: `docker build -f x/Dockerfile .`):
            # a `COPY vendor/ vendor/` says the tree is vendored (Go >= 1.14)
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
    def outside_module(self) -> bool:
        """`go install pkg@version` (`go run pkg@version`): go builds that module at that version,
        ignoring the go.mod of the folder it runs in, so its downloads are not the module's."""
        # (go refuses an install whose packages name different versions: the first one tells)
        return self.subcommand in ("install", "run") and bool(self.packages) and "@" in self.packages[0]

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


class GoCommandReader:
    """Reading a RUN's go commands (a mixin of facts.Facts: it fills in RunFacts.go_commands)."""

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

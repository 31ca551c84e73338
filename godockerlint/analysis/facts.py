"""Go facts about a parsed Dockerfile, computed once and shared by every rule.

Resolves ARG scope and ENV per stage (with `FROM <stage>` inheritance), USER and
HOME, WORKDIR, the final stage, which stages are Go stages, every go command in
every RUN (subcommand, flags, env prefixes, `-o` output), the effective Go
environment of each RUN (GOMODCACHE, GOCACHE, GOPROXY, GOFLAGS...) and its cache
mounts. The definitions follow the rule catalogue's "shared definitions".

Facts is the file's analysis: its stages (here), their layering (layering.py) and
their go commands (gocommands.py, which also holds the GoCommand record); the per-stage
and per-RUN records are in stages.py; words.py reads image references and COPY words.
"""

from __future__ import annotations

import posixpath
from functools import cached_property

from godockerlint.analysis.baseimage import base_env, base_user, base_workdir
from godockerlint.analysis.buildcontext import BuildContext
from godockerlint.analysis.gocommands import GoCommand, GoCommandReader
from godockerlint.analysis.goversion import stage_go_version, stage_module_mode
from godockerlint.analysis.layering import Layering
from godockerlint.analysis.stages import Env, RunFacts, StageFacts, home_for
from godockerlint.core.record import Frozen, _set
from godockerlint.parse.model import Dockerfile, Instruction, Span, Stage
from godockerlint.parse.shell import ShellWord, SimpleCommand, expand, key_values

class Facts(Layering, GoCommandReader):
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
            st = self.dockerfile.stage_by_ref(self.target.lower())  # BuildKit matches it case-blind
            if st is not None:
                return self.stages[st.index]
        return self.stages[-1]

    @cached_property
    def final_chain(self) -> list[StageFacts]:
        """The final stage's FROM chain: its root first, the final stage last."""
        return [*reversed(self.final.ancestors), self.final]

    @cached_property
    def final_chain_set(self) -> frozenset[StageFacts]:
        """The stages of `final_chain`, for an O(1) "is this stage part of the final image?"."""
        return frozenset(self.final_chain)

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
        for sf in self.stages:  # complete: the go commands may keep the answers rules ask again and again
            for run in sf.runs:
                for gc in run.go_commands:
                    gc._memo = {}

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
            env = Env(parent.env)
            sf.go_env_file = dict(parent.go_env_file)
            user = parent.user
            workdir = parent.workdir
        else:
            env = Env(None, self._image_env(base))
            user = base_user(base)
            workdir = base_workdir(base)
        args: dict[str, str | None] = {}
        args_env: tuple[Env, Env] | None = None

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
                    args_env = None
            elif kw == "ENV":
                for k, v, _ in key_values(ins.args):
                    env = env.set(k, expand(v or "", lookup))
            elif kw == "USER":
                user = expand(ins.args.strip(), lookup)
            elif kw == "WORKDIR":
                wd = expand(ins.args.strip(), lookup)
                workdir = posixpath.normpath(posixpath.join(workdir, wd))
            elif kw == "RUN":
                if args_env is None or args_env[0] is not env:  # the ARGs over the ENV, shared until either changes
                    given = {k: v for k, v in args.items() if v is not None}
                    args_env = (env, Env(env.frozen(), given) if given else env.frozen())
                run_env = args_env[1]
                home, known = home_for(user, run_env)
                run = RunFacts(ins, sf, self, run_env, frozenset(args), user, home, known, workdir)
                self._analyse_run(run)
                sf.runs.append(run)
        sf.env = env.frozen()
        sf.user = user
        sf.workdir = workdir
        sf.go_version = stage_go_version(sf)  # before the layering: a RUN's module mode needs it
        self._layering(sf)
        sf.module_mode = stage_module_mode(sf)
        return sf

    def _image_env(self, base: str) -> dict[str, str]:
        return base_env(base)



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

"""The whole-file rewrite: a toolchain-image final stage becomes build + distroless final stages.

Used by GDL401 (error case) as an unsafe, exclusive fix. The rewrite keeps
the file before and after the old final stage byte for byte, keeps every
instruction of that stage in the build stage (with its comments), and then:

- the build stage gets `ARG GOPROXY` (replacing an `ENV GOPROXY`, whose value
  becomes the default), a dependency step before the source COPY (bind-mount
  form with `ci-cache: persistent`, `COPY go.mod go.sum` + `RUN go mod
  download` with `ephemeral` or `download-step: copy`), cache mounts on the
  go RUNs (no GOMODCACHE mount in ephemeral mode), `CGO_ENABLED=0` when the
  build needs no cgo, and `-trimpath -ldflags="-s -w"`;
- the final stage is `final-image` (distroless static / base for cgo) with
  the binaries copied at the same paths, runtime files, non-Go ENV, LABEL,
  `USER 65532:65532` (a numeric non-root USER is kept), EXPOSE, VOLUME,
  STOPSIGNAL, HEALTHCHECK and ENTRYPOINT/CMD in exec form, pointed at the
  binary, arguments kept.

What it cannot classify stays in the build stage and is listed in the fix
message (`notes`). The text is rendered from `templates/rewrite_split.j2`
only when the fix is applied.
"""

from __future__ import annotations

import posixpath
import re

from godockerlint.core.findings import UNSAFE, Edit
from godockerlint.fix.fixer import apply_edits
from godockerlint.fix.rewrite_facts import (BUILDER_NAMES, SplitFacts, builder_image, copied_from_stage,
                                        copy_runtime_files, env_pairs, go_version, is_go_variable,
                                        variant)
from godockerlint.fix.rewrite_templates import LazyFix, Style
from godockerlint.fix.rewrite_text import StageText, _n

RUNTIME_VERBATIM = ("EXPOSE", "VOLUME", "STOPSIGNAL")
def split_fix(ctx) -> tuple[LazyFix | None, str | None]:
    """(the unsafe whole-file fix for a toolchain final stage, None) or (None, why it is refused: one clause).

    The split is offered only when the fixed file builds whenever the original does and the image
    behaves the same apart from the changes the message states (the base image, the user, cgo turned
    off where nothing needs it): anything the plan cannot carry into the new final stage refuses it."""
    plan = _Plan(ctx)
    if plan.refusal:
        return None, plan.refusal
    msg = f"split into a build stage and a {plan.final_image} final stage"
    if plan.facts.changes:
        msg += "; " + "; ".join(plan.facts.changes)
    return LazyFix(plan.edits, UNSAFE, msg, exclusive=True), None


class _Plan(StageText):
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.df = df = ctx.dockerfile
        facts = ctx.facts
        self.settings = ctx.settings
        self.style = Style.of(df)
        st = facts.final
        notes: list[str] = []
        version = go_version(facts, st)
        var = variant(st.root_base)
        self.facts = sf = SplitFacts(st, version, var, builder_image(facts, st, version, var), st.workdir,
                                     notes=notes)
        needs = facts.final_needs
        self.needs = needs
        self.refusal: str | None = None
        sf.binaries = list(needs.binaries)
        cgo = needs.cgo
        sf.cgo = cgo.on and cgo.needed
        sf.cgo_why = cgo.why
        self.final_image = self.settings.final_image_cgo_on if sf.cgo else self.settings.final_image_cgo_off
        if needs.purpose or needs.needs:
            self.refusal = needs.purpose or needs.needs[0]
            return
        if not sf.binaries:
            self.refusal = (needs.binary_notes[0] if needs.binary_notes else
                            "no go build in the stage writes a binary")
            return
        if sf.cgo and (cgo.libc == "musl" or var and var.startswith("alpine")) and not cgo.static:
            self.refusal = f"the binary is built with cgo against musl ({cgo.why}), and distroless has no musl"
            return
        if cgo.on and not cgo.needed:
            sf.changes.append(f"cgo is turned off ({cgo.why}; nothing in the build needs cgo)")
        self.ephemeral = self.settings.ci_cache == "ephemeral"
        self._bin_dirs = self._bin_names = None
        self._classify()
        if notes:
            self.refusal = notes[0]

    # -- classification ------------------------------------------------------------
    def _classify(self) -> None:
        st = self.facts.stage
        facts = self.ctx.facts
        notes = self.facts.notes
        self.env_final: list[Instruction] = []
        self.labels: list = []
        self.runtime: list = []  # instructions for the final stage, in order
        self.user: str = "65532:65532"
        self.moved: set[int] = set()  # instruction indexes that leave the build stage
        self.goproxy_env = None  # (instruction, value) of ENV GOPROXY
        self.has_goproxy_arg = False
        self.entry_argv = None
        # the old final image had what its parent stages gave it too: their files, ENV, ports, user
        chain = list(reversed(st.ancestors)) + [st]
        for ins in (i for stage in chain for i in stage.stage.instructions):
            own = ins.stage == st.index
            kw = ins.keyword
            if kw == "ENV":
                pairs = env_pairs(ins)
                if own and any(k == "GOPROXY" for k, _ in pairs):
                    self.goproxy_env = (ins, next(v for k, v in pairs if k == "GOPROXY") or "")
                if any(not is_go_variable(k) for k, _ in pairs):
                    self.env_final.append(ins)
            elif kw == "ARG":
                if own and any(k == "GOPROXY" for k, _ in env_pairs(ins)):
                    self.has_goproxy_arg = True
            elif kw == "LABEL":
                self.labels.append(ins)
                if own:
                    self.moved.add(ins.index)
            elif kw in RUNTIME_VERBATIM or kw in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
                self.runtime.append(ins)
                if own:
                    self.moved.add(ins.index)
            elif kw == "USER":
                u = ins.args.strip()
                name = u.split(":", 1)[0]
                if name.isdigit() and name != "0" and "$" not in u:
                    self.user = u
                elif name not in ("root", "0"):
                    notes.append(f"USER {u} on line {ins.line} is not a user of {self.final_image}")
                else:
                    self._root_user(f"USER {u}")
            elif kw == "RUN":
                why = self._run_blocker(facts.run_of(ins))
                if why:
                    notes.append(why)
            elif kw in ("COPY", "ADD"):
                if ins.heredocs:
                    notes.append(f"the {kw} with a heredoc on line {ins.line} writes files the final image "
                                 f"would not have")
                elif ins.flag("from") is None:
                    self.facts.runtime_files += copy_runtime_files(facts, ins, facts.workdir_at(ins), notes)
                else:
                    self.facts.runtime_files += copied_from_stage(facts, ins, notes)
            elif kw == "ONBUILD":
                notes.append(f"the ONBUILD on line {ins.line} has no place in the final image")
        if not any(i.keyword == "USER" for st2 in [st] + st.ancestors for i in st2.stage.instructions):
            self._root_user("no USER")
        removed = self._removed_paths()
        if removed:  # what a later `rm -rf` took away is not in the old image either
            from godockerlint.analysis.words import covers

            self.facts.runtime_files = [f for f in self.facts.runtime_files
                                        if not any(covers(r, f) for r in removed)]
        self.runtime_text = [self._runtime(i) for i in self.runtime]  # notes what it cannot convert
        # a stage that only says how to run (FROM <go stage> + ENTRYPOINT): no build stage of its own
        self.own_builder = st.parent is None or any(
            i.index not in self.moved and i.keyword not in ("USER",) for i in st.stage.instructions)

    def _root_user(self, how: str) -> None:
        low = self.needs.privileged_ports
        if low:
            self.user = "0:0"
            self.facts.changes.append(f"it keeps running as root ({how}): it listens on port {low[0]}, which a "
                                      f"non-root user cannot bind on Kubernetes or containerd")
        else:
            self.facts.changes.append(f"it runs as 65532:65532 instead of root ({how})")

    def _run_blocker(self, run) -> str | None:
        """Why a RUN of the old final stage makes the split unprovable (it may make files the app uses)."""
        from godockerlint.analysis.finalneeds import BUILD_PACKAGES, INSTALL

        if run is None:
            return None
        line = run.instruction.line
        if run.instruction.heredocs and not run.go_commands:
            return f"the RUN on line {line} may create files the running image uses"
        if self._bin_dirs is None:  # once per plan: a stage may build thousands of binaries
            self._bin_dirs = {posixpath.dirname(b.path) for b in self.facts.binaries}
            self._bin_names = {b.name for b in self.facts.binaries}
        bins = self._bin_dirs
        for cmd, _, _ in run.commands:
            words = [w.value for w in cmd.words]
            if not words:
                continue
            prog = words[0].rsplit("/", 1)[-1]
            args = [w for w in words[1:] if not w.startswith("-")]
            if prog in ("go", "cd", "export", "set", "true", "echo", "env", "test", "[", "ls", "pwd", "git",
                        "make", "upx", "strip", "xx-go", "xx-verify", "go-bindata", "swag", "protoc", "sleep"):
                continue
            if prog in INSTALL or prog in ("update-ca-certificates", "apk", "apt-get", "apt", "yum", "dnf",
                                           "microdnf"):
                pkgs = [a for a in args[1:] if a not in INSTALL.get(prog, ())]
                if args[:1] and args[0] in INSTALL.get(prog, ()) and not set(pkgs) <= BUILD_PACKAGES:
                    extra = sorted(set(pkgs) - BUILD_PACKAGES)
                    return f"the RUN on line {line} installs {', '.join(extra[:4])}, which the running image may use"
                continue
            if prog == "rm":
                continue
            if prog == "mkdir" and all(self._made_anyway(run, a, bins) for a in args):
                continue
            if prog == "chmod" and all(a.startswith(("+", "u+", "a+", "7", "5")) or
                                       posixpath.basename(a) in self._bin_names
                                       for a in args):
                continue
            return f"the RUN on line {line} runs {prog}, whose effect the final image would not have"
        return None

    def _removed_paths(self, runs=None) -> list[str]:
        from godockerlint.analysis.facts import expand

        out = []
        for run in self.facts.stage.runs if runs is None else runs:
            for cmd, _, _ in run.commands:
                words = [w.value for w in cmd.words]
                if words and words[0].rsplit("/", 1)[-1] == "rm":
                    for a in words[1:]:
                        if not a.startswith("-"):
                            path = expand(a, run.env.get)
                            if "$" not in path and "*" not in path:
                                out.append(posixpath.normpath(posixpath.join(run.workdir, path)))
        return out

    def _made_anyway(self, run, arg: str, bins: set[str]) -> bool:
        """Is the folder `mkdir` makes one the new final stage has anyway (the WORKDIR, a binary's folder)?"""
        from godockerlint.analysis.facts import expand

        path = posixpath.normpath(posixpath.join(run.workdir, expand(arg, run.env.get)))
        kept = set(bins) | {self.facts.workdir}
        return any(k == path or k.startswith(path.rstrip("/") + "/") for k in kept)

    # -- text ----------------------------------------------------------------------
    def edits(self) -> list[Edit]:
        from godockerlint.fix.rewrite_templates import render

        df = self.df
        text = df.text
        st = self.facts.stage
        lines = df.lines
        first = st.stage.from_instruction
        last = st.stage.instructions[-1] if st.stage.instructions else first
        start = self._chunk_start(first)
        end = self._line_after(last.span.end_line)
        # builds in earlier stages that feed the new final stage get the same CGO/release flags
        outside = []
        for b in self.facts.binaries:
            gc = b.command
            if gc.run.stage is not st and not gc.instruction.is_json and gc.command.nested_in is None:
                outside += self._go_flags(gc)
        head = apply_edits(text[:start], sorted({(e.start, e.end, e.text): e for e in outside}.values(),
                                                 key=lambda e: e.start))
        values = dict(
            syntax=self._syntax(),
            head=_n(head),
            lead=_n(text[start:lines.line_start(first.span.line)]),
            tail=_n(text[end:]),
            ind=self._indent(),
            builder_image=self.facts.builder_image,
            build=self._build_name(),
            builder=self._builder_blocks() if self.own_builder else None,
            image=self.final_image,
            name=self._final_name(),
            workdir=self.facts.workdir if self.facts.runtime_files or self.needs.has_workdir else None,
            copies=[{"source": p, "dest": p} for p in self._copies()],
            env=[self._runtime_env(i) for i in self.env_final],
            labels=[self._verbatim(i) for i in self.labels],
            user=self.user,
            runtime=self.runtime_text,
        )
        out = render("rewrite_split.j2", **values)
        out = re.sub(r"\n{3,}", "\n\n", out).rstrip("\n") + "\n"
        if not text.endswith(("\n", "\r")):
            out = out.rstrip("\n")
        if df.newline != "\n":
            out = out.replace("\n", df.newline)
        return [Edit(0, len(text), out)]

    def _syntax(self) -> str | None:
        syntax = self.settings.syntax
        if syntax == "none" or self.df.directive("syntax") is not None:
            return None
        return syntax

    def _indent(self) -> str:
        from godockerlint.fix.edits import indentation

        ins = self.facts.stage.stage.instructions
        return indentation(self.df, ins[0]) if ins else ""

    def _taken_names(self) -> set[str]:
        return {s.name for s in self.df.stages if s.name and s.index != self.facts.stage.index}

    def _build_name(self) -> str:
        st = self.facts.stage
        if not self.own_builder:
            return st.stage.base
        if st.stage.name in BUILDER_NAMES:
            return st.stage.name
        taken = self._taken_names() | ({st.stage.name} if st.stage.name else set())
        for name in ("build", "builder", "go-build"):
            if name not in taken:
                return name
        return f"build-{st.index}"

    def _final_name(self) -> str | None:
        name = self.facts.stage.stage.name
        return None if name in BUILDER_NAMES else name

    def _copies(self) -> list[str]:
        return list(dict.fromkeys([b.path for b in self.facts.binaries] + self.facts.runtime_files))

    def _chunk_start(self, ins) -> int:
        """Where the text that belongs to `ins` (its leading comments and blank lines) starts."""
        if ins.index == 0:
            before = [d.span.end for d in self.df.directives]
            return self._line_after(self.df.lines.position(max(before))[0]) if before else 0
        prev = self.df.instructions[ins.index - 1]
        return self._line_after(prev.span.end_line)

    def _line_after(self, line: int) -> int:
        """Offset just after the line ending of 1-based `line`."""
        end = self.df.lines.line_end(line)
        text = self.df.text
        if text.startswith("\r\n", end):
            return end + 2
        if text.startswith("\n", end):
            return end + 1
        return end

    def _end(self, ins) -> int:
        """Offset of the end of the last line of `ins`, before its line ending (CR included)."""
        end = self.df.lines.line_end(ins.span.end_line)
        return end - 1 if end > 0 and self.df.text[end - 1] == "\r" else end

    def _body(self, ins) -> str:
        lines = self.df.lines
        return self.df.text[lines.line_start(ins.span.line):self._end(ins)]

    def _verbatim(self, ins) -> str:
        return _n(self._body(ins)).strip()


Instruction = object  # for annotations above

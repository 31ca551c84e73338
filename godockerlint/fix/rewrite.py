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

import json
import posixpath
import re
from dataclasses import replace

from godockerlint.core.findings import UNSAFE, Edit
from godockerlint.fix.fixer import apply_edits
from godockerlint.fix.rewrite_facts import (BUILDER_NAMES, SplitFacts, builder_image, copied_from_stage,
                                        copy_runtime_files, env_pairs, exec_argv, go_version,
                                        healthcheck_parts, is_go_variable, variant)
from godockerlint.fix.rewrite_templates import LazyFix, Style

RUNTIME_VERBATIM = ("EXPOSE", "VOLUME", "STOPSIGNAL")
DEPSTEP_COMMENT = {
    "bind": ["Modules: only go.mod/go.sum are inputs; the module cache lives in a cache mount."],
    "copy": ["Modules go into a layer: a CI runner that restores only the layer cache",
             "keeps them; a cache mount would be empty there on every run."],
}


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


class _Plan:
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
            from godockerlint.analysis.facts import covers

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

    # -- the build stage -------------------------------------------------------------
    def _builder_blocks(self) -> list[dict]:
        facts = self.ctx.facts
        st = self.facts.stage
        blocks: list[dict] = []
        depstep_before = self._depstep_anchor()
        goproxy_done = self.has_goproxy_arg
        if not goproxy_done and self.goproxy_env is None and self._fetches():
            blocks.append({"kind": "goproxy", "default": self.settings.goproxy})
            goproxy_done = True
        for ins in st.stage.instructions:
            chunk_start = self._chunk_start(ins)
            lead = _n(self.df.text[chunk_start:self.df.lines.line_start(ins.span.line)])
            if ins.index in self.moved:
                continue
            if depstep_before is not None and ins is depstep_before[0]:
                blocks.append(self._depstep(ins, depstep_before[1], lead))
            if self.goproxy_env is not None and ins is self.goproxy_env[0]:
                rest = [(k, v) for k, v in env_pairs(ins) if k != "GOPROXY"]
                blocks.append({"kind": "text", "text": lead})
                blocks.append({"kind": "goproxy", "default": self.goproxy_env[1] or self.settings.goproxy})
                goproxy_done = True
                if rest:
                    blocks.append({"kind": "text", "text": self._env_without_goproxy(ins)})
                continue
            body = self._run_body(facts.run_of(ins)) if ins.keyword == "RUN" else _n(self._body(ins))
            blocks.append({"kind": "text", "text": lead + body + "\n"})
        return blocks

    def _fetches(self) -> bool:
        return any(g.fetching for g in self.facts.stage.go_commands)

    def _env_without_goproxy(self, ins) -> str:
        from godockerlint.parse.shell import key_values

        edits = []
        for k, _, w in key_values(ins.args):
            if k == "GOPROXY":
                s = ins.text_offset(w.start)
                e = ins.text_offset(w.end - 1) + 1
                while s > 0 and self.df.text[s - 1] in " \t":
                    s -= 1
                edits.append(Edit(s, e, ""))
        a = self.df.lines.line_start(ins.span.line)
        b = self._end(ins)
        return _n(apply_edits(self.df.text, edits)[a:b - sum(e.end - e.start for e in edits)]) + "\n"

    def _depstep_anchor(self):
        """(source COPY, first fetching RUN) when the build stage needs a dependency step before the COPY."""
        for run in self.facts.stage.runs:
            if not run.fetching_commands:
                continue
            if run.deps_ready_before is not None or run.is_dependency_step:
                return None
            src = run.sources_copied_before
            if src is None or src.stage != self.facts.stage.index:
                return None
            from godockerlint.fix.dependency_step import replace_refusal

            if replace_refusal(self.ctx.facts.context):
                return None  # a local replace folder the step cannot have: no step rather than a broken one
            return src, run
        return None

    def _depstep(self, src, run, lead: str) -> dict:
        from godockerlint.fix.rewrite_templates import render_lines
        from godockerlint.fix.dependency_step import dependency_step

        settings = self.settings
        if settings.download_step == "auto":
            settings = replace(settings, download_step="bind")
        form = "copy" if settings.ci_cache == "ephemeral" or settings.download_step == "copy" else "bind"

        class _Ctx:
            dockerfile = self.df
            facts = self.ctx.facts

        _Ctx.settings = settings
        values = dependency_step(_Ctx, src, run, comment=DEPSTEP_COMMENT[form])
        name = values.pop("template")
        lines = render_lines(name, **values)
        return {"kind": "depstep", "lines": lines, "blank_before": not lead.startswith("\n") and bool(lead or True)}

    def _run_body(self, run) -> str:
        """A go RUN with the cache mounts, CGO_ENABLED=0 and release flags of the build stage."""
        df = self.df
        ins = run.instruction
        text = df.text
        edits: list[Edit] = []
        mounts = []
        fetching = bool(run.fetching_commands)
        compiling = any(g.compiling for g in run.go_commands)
        existing = run.cache_mounts
        from godockerlint.analysis.facts import covers

        wanted = []
        if fetching and not self.ephemeral:
            wanted.append((run.resolve_gomodcache(), "modcache"))
        if compiling and run.stage.go_version.has_build_cache:  # GOCACHE: Go 1.10
            wanted.append((run.resolve_gocache(), "cache"))
        for target, clean in wanted:
            if any(covers(m.target, target) for m in existing):
                continue
            if run.removes(target, clean):  # also $HOME/.cache, ~/.cache, go clean -cache/-modcache
                self.facts.notes.append(f"no cache mount on {target}: line {ins.span.line} deletes it")
                continue
            mounts.append(self._mount(run, target))
        removed = self._removed_paths([run])
        mounts = [m for m in mounts if m and not any(
            covers(r, t) for r in removed for t in re.findall(r"target=([^,\s]+)", m))]  # rm -rf of a mount fails
        if not ins.is_json:
            for gc in run.go_commands:
                if gc.subcommand not in ("build", "install") or gc.command.nested_in is not None:
                    continue
                edits += self._go_flags(gc)
        if mounts:
            kw_end = ins.span.start + len(ins.raw_keyword)
            i = kw_end
            while i < len(text) and text[i] in " \t":
                i += 1
            if text.startswith(df.escape, i) and text[i + 1:i + 3].lstrip("\r").startswith("\n"):
                i = text.index("\n", i) + 1
                while i < len(text) and text[i] in " \t":
                    i += 1
            sep = f"{self.style.cont}\n{self._indent()}{self.style.continuation}"
            edits.append(Edit(kw_end, i, " " + sep.join(mounts) + sep))
        a = df.lines.line_start(ins.span.line)
        b = self._end(ins)
        shifted = [Edit(e.start - a, e.end - a, e.text) for e in edits]
        return _n(apply_edits(text[a:b], shifted))

    def _mount(self, run, target: str) -> str | None:
        from godockerlint.fix.rewrite_templates import render

        uid = gid = None
        user = run.user
        if user and user.split(":", 1)[0] not in ("root", "0"):
            u, _, g = user.partition(":")
            if not (u.isdigit() and (not g or g.isdigit())):
                return None  # a cache mount for a named user needs its uid: none is added
                return None
            uid, gid = u, g or u
        return render("cache_mount.j2", target=target, uid=uid, gid=gid)

    def _go_flags(self, gc) -> list[Edit]:
        facts = self.ctx.facts
        edits = []
        go_word = gc.words[0]
        if not self.facts.cgo and gc.setting("CGO_ENABLED") is None:
            at = facts.word_span(gc, go_word).start
            edits.append(Edit(at, at, "CGO_ENABLED=0 "))
        sub = gc.subcommand.split()[0]
        sub_word = next((w for w in gc.words[1:] if w.value == sub), None)
        if sub_word is None:
            return edits
        after = facts.word_span(gc, sub_word).end
        add = []
        if "trimpath" not in gc.flags and gc.run.stage.go_version.has_trimpath:  # -trimpath: Go 1.13
            add.append("-trimpath")
        if "ldflags" not in gc.flags:
            add.append('-ldflags="-s -w"')
        else:
            value = gc.flags["ldflags"]
            words = value.split()
            word = gc.flag_words.get("ldflags")
            if not ("-s" in words and "-w" in words):
                if word is not None and word.raw.startswith(("-ldflags=", "--ldflags=")) and not any(
                        c in value for c in '"\\`') and not word.raw.split("=", 1)[1].startswith("'"):
                    span = facts.word_span(gc, word)
                    missing = [f for f in ("-s", "-w") if f not in words]
                    edits.append(Edit(span.start, span.end, f'-ldflags="{" ".join(missing + words)}"'))
                else:
                    pass  # an -ldflags value that cannot be merged safely is left as written
        if add:
            edits.append(Edit(after, after, " " + " ".join(add)))
        return edits

    # -- the final stage ---------------------------------------------------------------
    def _runtime(self, ins) -> str:
        kw = ins.keyword
        raw = ins.raw_keyword
        if kw in ("CMD", "ENTRYPOINT"):
            argv = exec_argv(ins)
            if argv is None:
                self.facts.notes.append(f"the shell-form {kw} on line {ins.line} needs a shell, which "
                                        f"{self.final_image} lacks")
                return self._verbatim(ins)
            new = self._point_at_binary(argv, kw, ins.line)
            if new == argv and ins.is_json:
                return self._verbatim(ins)
            return f"{raw} {json.dumps(new)}"
        if kw == "HEALTHCHECK":
            if ins.args.strip().upper() == "NONE":
                return self._verbatim(ins)
            opts, argv = healthcheck_parts(ins)
            if argv is None:
                self.facts.notes.append(f"the HEALTHCHECK on line {ins.line} needs a shell")
                return self._verbatim(ins)
            if argv and argv[0] in ("CMD-SHELL",):
                self.facts.notes.append(f"the HEALTHCHECK on line {ins.line} needs a shell")
                return self._verbatim(ins)
            new = self._point_at_binary(argv, kw, ins.line)
            if argv and posixpath.basename(new[0]) in ("curl", "wget", "nc", "sh"):
                self.facts.notes.append(f"the HEALTHCHECK on line {ins.line} runs {argv[0]}, which "
                                        f"{self.final_image} does not have")
            flags = " ".join(self.df.text[f.span.start:f.span.end] for f in ins.flags)
            opts = " ".join(x for x in (flags, opts) if x)
            return f"{raw} {opts + ' ' if opts else ''}CMD {json.dumps(new)}"
        return self._verbatim(ins)

    def _point_at_binary(self, argv: list[str], kw: str, line: int) -> list[str]:
        bins = self.facts.binaries
        if not argv:
            return argv
        if argv[0] == "go" and len(argv) > 1 and argv[1] == "run":
            rest = argv[2:]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            pkg = rest[0] if rest else "."
            match = next((b for b in bins if posixpath.normpath(b.package) == posixpath.normpath(pkg)), None)
            if match is None and len(bins) == 1:
                match = bins[0]
            if match is None:
                self.facts.notes.append(f"the {kw} on line {line} runs `go run {pkg}`, which no build produces")
                return argv
            return [match.path] + rest[1:]
        first = argv[0]
        if "$" in first:
            return argv
        if first.startswith("/"):
            if any(b.path == first for b in bins) or first in self.facts.runtime_files:
                return argv
            if kw != "CMD" or not self._has_entrypoint():
                self.facts.notes.append(f"the {kw} on line {line} runs {first}, which the final image may not have")
            return argv
        if kw == "CMD" and self._has_entrypoint():
            return argv  # arguments of the ENTRYPOINT
        if "/" in first:  # relative to the WORKDIR
            resolved = posixpath.normpath(posixpath.join(self.facts.workdir, first))
            match = next((b for b in bins if b.path == resolved), None)
        else:  # looked up on PATH: the binary of that name
            match = next((b for b in bins if b.name == first), None)
        if match is not None:
            return [match.path] + argv[1:]
        self.facts.notes.append(f"the {kw} on line {line} runs {first}, which the final image may not have")
        return argv

    def _runtime_env(self, ins) -> str:
        """An ENV for the final stage: its non-Go variables only."""
        from godockerlint.parse.shell import key_values

        pairs = key_values(ins.args)
        if "$" in ins.args:  # a value built from the toolchain image's ENV (GOPATH...): written expanded
            from godockerlint.analysis.facts import expand

            env = dict(self.facts.stage.env)
            known: dict[str, str] = {}
            for k, v, _ in pairs:  # the values as the old stage saw them at this ENV
                known[k] = expand(v or "", lambda n: known.get(n, env.get(n)))
            kept = [(k, known[k]) for k, _, _ in pairs if not is_go_variable(k)]
            return f"{ins.raw_keyword} " + " ".join(f"{k}={_env_value(v)}" for k, v in kept)
        if len(pairs) == 1 or all(not is_go_variable(k) for k, _, _ in pairs):
            return self._verbatim(ins)
        return f"{ins.raw_keyword} " + " ".join(w.raw for k, _, w in pairs if not is_go_variable(k))

    def _has_entrypoint(self) -> bool:
        return any(i.keyword == "ENTRYPOINT" for i in self.runtime)


Instruction = object  # for annotations above


def _env_value(v: str) -> str:
    """An ENV value as written in the new final stage: quoted when it holds blanks, quotes or `$`."""
    return json.dumps(v) if re.search(r'[\s"$\\\']', v) or not v else v


def _n(s: str) -> str:
    return s.replace("\r\n", "\n")

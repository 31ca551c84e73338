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

from godockerlint.findings import UNSAFE, Edit
from godockerlint.fixer import apply_edits
from godockerlint.rewrite_facts import (BUILDER_NAMES, SplitFacts, binaries, builder_image, cgo_need,
                                        copy_runtime_files, env_pairs, exec_argv, go_version,
                                        healthcheck_parts, is_go_variable, variant)
from godockerlint.rewrite_templates import LazyFix, Style

RUNTIME_VERBATIM = ("EXPOSE", "VOLUME", "STOPSIGNAL")
DEPSTEP_COMMENT = {
    "bind": ["Modules: only go.mod/go.sum are inputs; the module cache lives in a cache mount."],
    "copy": ["Modules go into a layer: a CI runner that restores only the layer cache",
             "keeps them; a cache mount would be empty there on every run."],
}


def split_fix(ctx) -> LazyFix | None:
    """The unsafe whole-file fix for a toolchain final stage, or None when the rewrite cannot be planned."""
    plan = _Plan(ctx)
    if not plan.ok:
        return None
    notes = plan.facts.notes
    msg = f"split into a build stage and a {plan.final_image} final stage"
    if notes:
        msg += "; check: " + "; ".join(notes)
    return LazyFix(plan.edits, UNSAFE, msg, exclusive=True)


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
        sf.binaries = binaries(facts, st, notes)
        sf.cgo, sf.cgo_why, self.cgo_explicit = cgo_need(facts, st)
        self.final_image = self.settings.final_image_cgo_on if sf.cgo else self.settings.final_image_cgo_off
        if sf.cgo and var and var.startswith("alpine"):
            notes.append("cgo on an alpine builder links musl, which the glibc-based final image lacks")
        self.ok = bool(sf.binaries)
        if not self.ok:
            return
        self.ephemeral = self.settings.ci_cache == "ephemeral"
        self._classify()

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
        for ins in st.stage.instructions:
            kw = ins.keyword
            if kw == "ENV":
                pairs = env_pairs(ins)
                if any(k == "GOPROXY" for k, _ in pairs):
                    self.goproxy_env = (ins, next(v for k, v in pairs if k == "GOPROXY") or "")
                if any(not is_go_variable(k) for k, _ in pairs):
                    self.env_final.append(ins)
            elif kw == "ARG":
                if any(k == "GOPROXY" for k, _ in env_pairs(ins)):
                    self.has_goproxy_arg = True
            elif kw == "LABEL":
                self.labels.append(ins)
                self.moved.add(ins.index)
            elif kw in RUNTIME_VERBATIM or kw in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
                self.runtime.append(ins)
                self.moved.add(ins.index)
            elif kw == "USER":
                u = ins.args.strip()
                name = u.split(":", 1)[0]
                if name.isdigit() and name != "0" and "$" not in u:
                    self.user = u
                elif name not in ("root", "0"):
                    notes.append(f"USER {u} (line {ins.line}) becomes 65532:65532 in the final image")
                else:
                    notes.append(f"the image ran as root (USER {u}); it now runs as 65532:65532")
            elif kw == "RUN":
                if not facts.run_of(ins).go_commands:
                    notes.append(f"RUN on line {ins.line} stays in the build stage: what it installs or "
                                 f"changes is not in the final image")
            elif kw in ("COPY", "ADD"):
                if ins.flag("from") is None and not ins.heredocs:
                    self.facts.runtime_files += copy_runtime_files(facts, ins, facts.workdir_at(ins), notes)
                elif ins.heredocs:
                    notes.append(f"{kw} with a heredoc on line {ins.line} is not carried into the final image")
            elif kw in ("SHELL", "ONBUILD"):
                notes.append(f"{kw} on line {ins.line} stays in the build stage")
        if not any(i.keyword == "USER" for i in st.stage.instructions):
            notes.append("the image ran as root; it now runs as 65532:65532")
        self.runtime_text = [self._runtime(i) for i in self.runtime]  # notes what it cannot convert
        # a stage that only says how to run (FROM <go stage> + ENTRYPOINT): no build stage of its own
        self.own_builder = st.parent is None or any(
            i.index not in self.moved and i.keyword not in ("USER",) for i in st.stage.instructions)

    # -- text ----------------------------------------------------------------------
    def edits(self) -> list[Edit]:
        from godockerlint.rewrite_templates import render

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
            workdir=self.facts.workdir if self.facts.runtime_files else None,
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
        from godockerlint.edits import indentation

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
        out = []
        for p in [b.path for b in self.facts.binaries] + self.facts.runtime_files:
            if p not in out:
                out.append(p)
        return out

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
        from godockerlint.shell import key_values

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
            from godockerlint.rules.gdl201_gomod_after_sources import replace_refusal

            if replace_refusal(self.ctx.facts.context):
                return None  # a local replace folder the step cannot have: no step rather than a broken one
            return src, run
        return None

    def _depstep(self, src, run, lead: str) -> dict:
        from godockerlint.rewrite_templates import render_lines
        from godockerlint.rules.gdl201_gomod_after_sources import dependency_step

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
        from godockerlint.analysis import covers

        wanted = []
        if fetching and not self.ephemeral:
            wanted.append((run.resolve_gomodcache(), "modcache"))
        if compiling:
            wanted.append((run.resolve_gocache(), "cache"))
        for target, clean in wanted:
            if any(covers(m.target, target) for m in existing):
                continue
            if run.removes(target, clean):  # rm of a mounted folder fails: "Device or resource busy"
                self.facts.notes.append(f"no cache mount on {target}: line {ins.span.line} deletes it")
                continue
            mounts.append(self._mount(run, target))
        mounts = [m for m in mounts if m]
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
        from godockerlint.rewrite_templates import render

        uid = gid = None
        user = run.user
        if user and user.split(":", 1)[0] not in ("root", "0"):
            u, _, g = user.partition(":")
            if not (u.isdigit() and (not g or g.isdigit())):
                self.facts.notes.append(f"no cache mount on {target}: USER {user} is not numeric")
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
        if "trimpath" not in gc.flags:
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
                    self.facts.notes.append(f"-ldflags on line {gc.instruction.line} lacks -s -w")
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
                self.facts.notes.append(f"shell-form {kw} on line {ins.line} needs a shell, which "
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
                self.facts.notes.append(f"HEALTHCHECK on line {ins.line} needs a shell; it is kept as written")
                return self._verbatim(ins)
            if argv and argv[0] in ("CMD-SHELL",):
                self.facts.notes.append(f"HEALTHCHECK on line {ins.line} needs a shell")
                return self._verbatim(ins)
            new = self._point_at_binary(argv, kw, ins.line)
            if argv and posixpath.basename(new[0]) in ("curl", "wget", "nc", "sh"):
                self.facts.notes.append(f"HEALTHCHECK on line {ins.line} runs {argv[0]}, which "
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
                self.facts.notes.append(f"{kw} on line {line} runs `go run {pkg}`, which no build produces")
                return argv
            return [match.path] + rest[1:]
        first = argv[0]
        if "$" in first:
            return argv
        if first.startswith("/"):
            if any(b.path == first for b in bins) or first in self.facts.runtime_files:
                return argv
            if kw != "CMD" or not self._has_entrypoint():
                self.facts.notes.append(f"{kw} on line {line} runs {first}, which the final image may not have")
            return argv
        if kw == "CMD" and self._has_entrypoint():
            return argv  # arguments of the ENTRYPOINT
        base = posixpath.basename(first)
        match = next((b for b in bins if b.name == base), None)
        if match is not None and (first.startswith(".") or "/" not in first):
            resolved = posixpath.normpath(posixpath.join(self.facts.workdir, first)) if "/" in first else match.path
            if "/" not in first or resolved == match.path:
                return [match.path] + argv[1:]
        self.facts.notes.append(f"{kw} on line {line} runs {first}, which the final image may not have")
        return argv

    def _runtime_env(self, ins) -> str:
        """An ENV for the final stage: its non-Go variables only."""
        from godockerlint.shell import key_values

        pairs = key_values(ins.args)
        if len(pairs) == 1 or all(not is_go_variable(k) for k, _, _ in pairs):
            return self._verbatim(ins)
        return f"{ins.raw_keyword} " + " ".join(w.raw for k, _, w in pairs if not is_go_variable(k))

    def _has_entrypoint(self) -> bool:
        return any(i.keyword == "ENTRYPOINT" for i in self.runtime)


Instruction = object  # for annotations above


def _n(s: str) -> str:
    return s.replace("\r\n", "\n")

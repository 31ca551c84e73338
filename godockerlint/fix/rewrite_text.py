"""The text of the stages the whole-file rewrite (rewrite.py) writes: the build stage's
blocks, RUN bodies with their cache mounts and go flags, the runtime stage's instructions.
A mixin of rewrite._Plan: these methods read the plan's facts and decisions."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import replace

from godockerlint.core.findings import Edit
from godockerlint.fix.fixer import apply_edits
from godockerlint.fix.rewrite_facts import env_pairs, exec_argv, healthcheck_parts, is_go_variable

DEPSTEP_COMMENT = {
    "bind": ["Modules: only go.mod/go.sum are inputs; the module cache lives in a cache mount."],
    "copy": ["Modules go into a layer: a CI runner that restores only the layer cache",
             "keeps them; a cache mount would be empty there on every run."],
}


def _env_value(v: str) -> str:
    """An ENV value as written in the new final stage: quoted when it holds blanks, quotes or `$`."""
    return json.dumps(v) if re.search(r'[\s"$\\\']', v) or not v else v


def _n(s: str) -> str:
    return s.replace("\r\n", "\n")


class StageText:
    """How _Plan writes each stage (the decisions are _Plan's)."""

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
        from godockerlint.analysis.words import covers

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

"""`COPY --from=<stage>` names a binary that the stage's go build never writes.

A typo or a rename between the build stage (`go build -o /out/app`) and the
final stage (`COPY --from=build /out/server /server`) fails the build late,
after the whole compile, with "failed to compute cache key: ... /out/server:
not found"; with a glob or a directory copy it can even succeed and ship an
image without its program.

The outputs of a stage are the `-o` files of its `go build` commands (and of
its ancestors'), and `$GOBIN` / `$GOPATH/bin/<name>` for `go install <pkg>`
(`/go/bin/<name>` in official golang images). A copied path is judged only
when it lies in a folder that holds such outputs and nothing else in the
stage could have put it there: no other command of the stage names that
folder (`cp`, `mv`, `tar`...), no COPY/ADD writes into it, and no build
writes a whole folder there (`-o /out/`, `go install ./...`). Paths elsewhere
(`/etc/ssl/certs/...`, `/usr/share/zoneinfo`), globs, variables that cannot be
resolved and `--from` external images are not judged.

Anti-pattern:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
ENTRYPOINT ["/server"]
```

Best practice:

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
ENTRYPOINT ["/server"]
```

A COPY from the build context into that folder (`COPY . .` into the WORKDIR
where `go build -o main` writes) hides nothing when the context is known: the
path is then judged against the context's files (rules.md revision 2).

Anti-pattern (relative -o in the WORKDIR):

```dockerfile
FROM golang:1.25 AS build
WORKDIR /app
COPY . .
RUN CGO_ENABLED=0 go build -o main .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app/first /first
ENTRYPOINT ["/first"]
```

A relative path of `COPY --from` starts at the root of the stage it copies
from, never at that stage's WORKDIR: `COPY --from=build app /app` after
`WORKDIR /src` and `go build -o app .` asks for /app in the build stage, while
the binary is /src/app (the same judgement: nothing else may write there).

Anti-pattern (a path relative to the other stage's WORKDIR):

```dockerfile
FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o weather .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build weather /weather
ENTRYPOINT ["/weather"]
```

Fix: none (which side is right is the author's call); the message names the
paths the stage does produce.
"""

from __future__ import annotations

import posixpath

from godockerlint.analysis.words import copy_sources
from godockerlint.analysis.facts import instruction_word_span
from godockerlint.analysis.artifacts import package_name
from godockerlint.parse.shell import expand, split_words

CODE = "GDL306"
NAME = "copied-artifact-missing"
SEVERITY = "error"
FIX = "none"
SUMMARY = "COPY --from names a path that the stage's go build -o outputs cannot produce."


def stage_outputs(stage):
    """(files, open_dirs) the go commands of `stage` and its ancestors write; None when unknowable."""
    files: set[str] = set()
    open_dirs: set[str] = set()
    for st in list(reversed(stage.ancestors)) + [stage]:
        own = own_outputs(st)
        if own is None:
            return None
        files.update(own[0])
        open_dirs.update(own[1])
    return files, open_dirs


def own_outputs(st):
    """(files, open_dirs) the go commands of `st` itself write, each once per file; None when unknowable."""
    memo = st.facts.__dict__.setdefault("_gdl306_own_outputs", {})
    if st.index not in memo:
        memo[st.index] = _own_outputs(st)
    return memo[st.index]


def _own_outputs(st):
    files: set[str] = set()
    open_dirs: set[str] = set()
    for run in st.runs:
        for gc in run.go_commands:
            if gc.subcommand == "build" and gc.output:
                out = expand(gc.output, lambda n, r=run: r.env.get(n))
                if "$" in out or not out:
                    return None
                path = posixpath.normpath(posixpath.join(run.workdir, out))
                if out.endswith("/") or len(gc.packages) > 1 or any("..." in p for p in gc.packages):
                    open_dirs.add(path)
                else:
                    files.add(path)
            elif gc.subcommand == "install":
                gobin = gc.setting("GOBIN") or posixpath.join(
                    (gc.setting("GOPATH") or posixpath.join(run.home, "go")).split(":")[0], "bin")
                if "$" in gobin:
                    return None
                pkgs = gc.packages or ["."]
                for p in pkgs:
                    name = package_name(p) or "."  # github.com/x/tool/v2@v2.1.0 -> tool
                    if "..." in p or name in (".", "") or not p.startswith(("./", "/")) and "@" not in p:
                        open_dirs.add(gobin)
                    else:
                        files.add(posixpath.join(gobin, name))
    return files, open_dirs


def check(ctx):
    facts = ctx.facts
    df = ctx.dockerfile
    copies = []  # (stage, COPY/ADD --from, ref, source stage), in file order
    for stage in facts.stages:
        for ins in stage.stage.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is None:
                continue
            ref = ins.flag("from").value or ""
            src_stage = df.stage_by_ref(ref.lower(), before=stage.index)
            if src_stage is None:
                continue
            source = facts.stages[src_stage.index]
            if not source.is_go:
                continue
            copies.append((ins, ref, source))
    if not copies:
        return
    asked: dict[int, set[str]] = {}
    for ins, _, source in copies:
        asked.setdefault(source.index, set()).update(_copied_paths(ins, source))
    outputs = _ChainOutputs(facts, asked).answers
    written: dict[tuple[int, str, str], bool] = {}
    for ins, ref, source in copies:
        known = outputs[source.index]
        if known is None:
            continue
        produces, files, dirs, above = known
        if not produces:
            continue
        for raw in copy_sources(ins):
            if any(c in raw for c in "*?[$"):
                continue
            path = posixpath.normpath(posixpath.join("/", raw))
            folder = posixpath.dirname(path)
            if path in files or path in above:
                continue
            if folder not in dirs:
                built = in_workdir(source, raw)
                if built in files and not _written_otherwise(source, folder, path):
                    yield ctx.report(
                        _word_span(df, ins, raw),
                        f"`{ins.raw_keyword} --from={ref}` copies {path}: its paths start at the root of stage "
                        f"{source.label}, not at its WORKDIR {source.workdir}, where the go build writes {built}; "
                        f"the build fails with \"not found\"; copy {built}",
                    )
                continue
            if (source.index, folder, path) not in written:
                written[source.index, folder, path] = _written_otherwise(source, folder, path)
            if written[source.index, folder, path]:
                continue
            produced = _produced_in(source, folder)
            yield ctx.report(
                _word_span(df, ins, raw),
                f"`{ins.raw_keyword} --from={ref}` copies {path}, which stage {source.label} never produces "
                f"(its go build writes {', '.join(produced)}): the build fails with \"not found\"; "
                f"copy the right path or fix `-o`",
            )


def _copied_paths(ins, source):
    for raw in copy_sources(ins):
        if not any(c in raw for c in "*?[$"):
            yield posixpath.normpath(posixpath.join("/", raw))
            built = in_workdir(source, raw)
            if built is not None:
                yield built


def in_workdir(source, raw: str) -> str | None:
    """Where a relative COPY --from path would be if it started at the source stage's WORKDIR (the
    usual slip: it starts at the stage's root), when that is another place; else None."""
    if raw.startswith("/") or source.workdir in ("/", "") or source.windows:  # C:\ paths: not judged
        return None
    built = posixpath.normpath(posixpath.join(source.workdir, raw))
    return built if built != posixpath.normpath(posixpath.join("/", raw)) else None


class _ChainOutputs:
    """stage_outputs() of many source stages, answered for the paths their COPY --from name.

    One walk of the FROM tree adds each stage's own outputs on the way down and takes them back
    on the way up, so that at each stage the counts hold exactly its chain's outputs: asking
    stage_outputs() per source costs O(stages²) in a long FROM chain. `answers[index]` is None
    (unknowable) or (produces, files, dirs, above): does the chain produce any file;
    then, restricted to the asked paths: is the path a produced file; is its folder a folder of produced files that no open output covers; is the
    path such a folder or above one. (The produced files of a folder, which a finding lists, are
    worked out per finding by _produced_in: a sorted copy per answer was O(stages²) over a chain.)"""

    def __init__(self, facts, asked: dict[int, set[str]]) -> None:
        self.files: dict[str, int] = {}
        self.by_dir: dict[str, dict[str, int]] = {}
        self.open: dict[str, int] = {}
        self.live_above: dict[str, int] = {}  # folder -> live dirs at or below it
        self.unknowable = 0
        self.count = 0
        self.answers: dict[int, tuple | None] = {}
        children: dict[int | None, list] = {}
        for st in facts.stages:
            children.setdefault(st.parent.index if st.parent is not None else None, []).append(st)
        stack = [(st, True) for st in reversed(children.get(None, []))]
        while stack:
            st, entering = stack.pop()
            own = own_outputs(st)
            if not entering:
                self._apply(own, -1)
                continue
            self._apply(own, 1)
            if st.index in asked:
                self.answers[st.index] = self._answer(asked[st.index])
            stack.append((st, False))
            stack.extend((c, True) for c in reversed(children.get(st.index, [])))

    def _live(self, d: str) -> bool:
        return bool(self.by_dir.get(d)) and not self.open.get(d)

    def _apply(self, own, sign: int) -> None:
        if own is None:
            self.unknowable += sign
            return
        files, open_dirs = own
        for f in files:
            d = posixpath.dirname(f)
            was = self._live(d)
            n = self.files.get(f, 0) + sign
            self.files[f] = n
            in_dir = self.by_dir.setdefault(d, {})
            if n:
                in_dir[f] = n
            else:
                del in_dir[f]
            self.count += sign
            self._relive(d, was)
        for d in open_dirs:
            was = self._live(d)
            self.open[d] = self.open.get(d, 0) + sign
            self._relive(d, was)

    def _relive(self, d: str, was: bool) -> None:
        now = self._live(d)
        if now != was:
            step = 1 if now else -1
            for key in [d] + [d[:i] for i, c in enumerate(d) if c == "/"]:
                self.live_above[key] = self.live_above.get(key, 0) + step

    def _answer(self, paths: set[str]):
        if self.unknowable:
            return None
        files = {p for p in paths if self.files.get(p)}
        folders = {posixpath.dirname(p) for p in paths}
        dirs = {d for d in folders if self._live(d)}
        above = {p for p in paths if self.live_above.get(p)}
        return self.count > 0, files, dirs, above


def _produced_in(stage, folder: str) -> list[str]:
    """The files the go builds of `stage`'s FROM chain write in `folder`, sorted."""
    out: set[str] = set()
    for st in [stage] + stage.ancestors:
        own = own_outputs(st)
        if own is not None:
            out.update(f for f in own[0] if posixpath.dirname(f) == folder)
    return sorted(out)


def _written_otherwise(stage, folder: str, path: str) -> bool:
    """Could anything but a go build have put `path` (in `folder`) there, in `stage` or its ancestors?"""
    for st in [stage] + stage.ancestors:
        for ins in st.stage.instructions:
            if ins.keyword in ("COPY", "ADD"):
                words = split_words(ins.args) if not ins.is_json else []
                dest = ins.json_args[-1] if ins.is_json and ins.json_args else (words[-1].value if words else "")
                dest_path = posixpath.normpath(posixpath.join(st.facts.workdir_at(ins), dest))
                if dest_path == folder or folder.startswith(dest_path.rstrip("/") + "/") \
                        or dest_path.startswith(folder + "/"):
                    if not _context_lacks(st.facts, ins, dest_path, path):
                        return True
        for run in st.runs:
            go_cmds = {id(g.command) for g in run.go_commands}
            for cmd, _, _ in run.commands:
                if id(cmd) in go_cmds:
                    continue
                if any(folder in w.value for w in cmd.words[1:]):
                    return True
                if run.workdir == folder or run.workdir.startswith(folder + "/"):
                    if cmd.name not in ("cd", "set", "echo", "true"):
                        return True
    return False


def _context_lacks(facts, ins, dest_path: str, path: str) -> bool:
    """Is it sure that this COPY from the build context does not write `path`? (With a known context:
    `COPY . .` into /app writes /app/first only if the context has a file `first`.)"""
    from godockerlint.analysis.words import WHOLE_CONTEXT_VARS

    context = facts.context
    if context is None or ins.flag("from") is not None or ins.heredocs:
        return False
    if not (path == dest_path or path.startswith(dest_path.rstrip("/") + "/")):
        return False
    rel = posixpath.relpath(path, dest_path)
    for src in copy_sources(ins):
        s = src.strip()
        if any(c in s for c in "*?[") or "://" in s or "$" in s and s not in WHOLE_CONTEXT_VARS:
            return False
        base = "" if s in WHOLE_CONTEXT_VARS or posixpath.normpath(s.lstrip("/")) in (".", "") else \
            posixpath.normpath(s.lstrip("/"))
        candidates = [posixpath.normpath(posixpath.join(base, rel)) if rel != "." else base]
        if path == dest_path and base:
            candidates.append(base)  # a file copied to that very name
        for c in candidates:
            if c and context.exists(c) and not context.excluded(c):
                return False
    return True


def _word_span(df, ins, raw: str):
    for w in split_words(ins.args):
        if w.value == raw:
            return instruction_word_span(df, ins, w)
    return ins

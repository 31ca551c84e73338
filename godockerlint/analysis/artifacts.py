"""Which go builds make the binaries that ship: the files the final image ends up with.

Computed once per file for the rules that judge the shipped binary (GDL301, GDL302, GDL303;
rules.md revision 2: "only for binaries that ship"). A `go build` / `go install` ships when
what it writes reaches the final stage:

- it runs in the final stage or a stage the final is built `FROM` (its files are there),
  unless it writes nothing (`go build ./...` of several packages without `-o` only checks
  that they compile: a warm-up) or it installs a tool by module path (`go install
  golang.org/x/tools/cmd/stringer@v0.1.0`) that the final's ENTRYPOINT/CMD does not run;
- or the final stage copies it: `COPY --from=<stage> <path>` whose path is the build's
  output, a folder holding it, or a file under the folder it writes; through any number of
  stages (a `bin` stage that copies from `build`, then the final copies from `bin`).

An output the analysis cannot place (`go install .`, `-o $OUT`) travels with any copy from its
stage that is not an obvious non-binary (certificates, zoneinfo, passwd).
"""

from __future__ import annotations

import heapq
import posixpath
import re

from godockerlint.analysis.words import copy_destination, copy_sources
from godockerlint.parse.shell import expand

BINARY_COMMANDS = frozenset({"build", "install"})
NOT_BINARIES = ("/etc/", "/usr/share/zoneinfo", "/usr/share/ca-certificates", "/usr/local/share/ca-certificates")
ANY = "*"  # an output whose path is unknown


def _norm(path: str) -> str:
    """A Windows path (`C:\\out\\app.exe`) in the posix form the rest of this module compares."""
    if "\\" not in path and ":" not in path[:3]:
        return path
    p = path.replace("\\", "/")
    m = re.search(r"(?:^|/)[A-Za-z]:", p)  # a WORKDIR C:\\src joined onto a posix default: /go/C:/src
    if m:
        p = p[m.end():] or "/"
    return p


def _cwd(gc) -> str:
    """The folder `gc` runs in: the RUN's WORKDIR, moved by `cd` commands before it."""
    memo = gc.run.facts.__dict__.setdefault("_cwds", {})
    at = memo.get(id(gc.run))
    if at is None:  # one walk per RUN, not one per go command: a long RUN must not cost O(n²)
        at = memo[id(gc.run)] = {}
        cwd = _norm(gc.run.workdir)
        for cmd, _, _ in gc.run.commands:
            at.setdefault(id(cmd), cwd)
            if cmd.name == "cd" and len(cmd.words) > 1 and cwd != ANY:
                to = cmd.words[1].value
                cwd = ANY if "$" in to or to == "-" else posixpath.normpath(posixpath.join(cwd, _norm(to)))
        at[None] = cwd
    return at.get(id(gc.command), at[None])


def package_name(pkg: str) -> str | None:
    """The binary name go gives a package path (`github.com/x/tool/v2@v2.1.0` -> tool)."""
    path = pkg.split("@", 1)[0].rstrip("/")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if parts and parts[-1].startswith("v") and parts[-1][1:].isdigit() and len(parts) > 1:
        parts = parts[:-1]
    return parts[-1] if parts else None


def outputs(gc) -> list[str]:
    """Absolute paths `gc` writes ([]: nothing; [ANY]: unknown; a path ending in / is a folder)."""
    run = gc.run
    cwd = _cwd(gc)
    pkgs = gc.packages or ["."]
    many = len(pkgs) > 1 or any("..." in p for p in pkgs)
    if gc.subcommand == "build":
        out = gc.output
        if out is None:
            if many:
                return []  # several packages, no -o: the results are thrown away
            if cwd == ANY:
                return [ANY]
            if pkgs[0].endswith(".go"):
                return [posixpath.join(cwd, posixpath.basename(pkgs[0])[:-3])]
            name = package_name(pkgs[0]) if pkgs[0] not in (".", "./") else None
            if name is None:
                return [cwd.rstrip("/") + "/"]  # named after the module or folder: somewhere in cwd
            return [posixpath.join(cwd, name)]
        if run.stage.windows:  # the shell split ate the backslashes: take the word as written
            idx = gc.words.index(gc.flag_words["o"]) if "o" in gc.flag_words else -1
            if "=" not in gc.flag_words["o"].value and 0 <= idx < len(gc.words) - 1:
                out = gc.words[idx + 1].raw
        value = _norm(expand(out, lambda n: run.env.get(n)))
        if not value or "$" in value or cwd == ANY and not value.startswith("/"):
            return [ANY]
        path = posixpath.normpath(posixpath.join(cwd, value))
        return [path + "/"] if value.endswith("/") or many else [path]
    # go install
    gobin = gc.setting("GOBIN") or posixpath.join(
        (gc.setting("GOPATH") or run.stage.default_gopath(run.home)).split(":")[0], "bin")
    if "$" in gobin:
        return [ANY]
    found = []
    for p in pkgs:
        name = package_name(p)
        if "..." in p or name is None or p.startswith((".", "/")):
            found.append(gobin.rstrip("/") + "/")
        else:
            found.append(posixpath.join(gobin, name))
    return found


def _is_tool_install(gc) -> bool:
    return gc.subcommand == "install" and bool(gc.packages) and all(
        not p.startswith((".", "/")) and "." in p.split("/", 1)[0] for p in gc.packages)


def _covers(src: str, path: str) -> bool:
    """Does a COPY of `src` (a file or folder) take `path` (a file, or a folder ending in /)?"""
    s = posixpath.normpath(src)
    p = path.rstrip("/")
    return p == s or p.startswith(s.rstrip("/") + "/") or path.endswith("/") and s.startswith(p + "/")


def _moved(src: str, path: str, dest: str, several: bool) -> str:
    """Where `path`, copied as part of `src`, lands under `dest`."""
    s = posixpath.normpath(src)
    p = path.rstrip("/")
    into_dir = dest.endswith("/") or several
    if p == s:
        target = posixpath.join(dest, posixpath.basename(p)) if into_dir else dest
    elif p.startswith(s.rstrip("/") + "/"):
        target = posixpath.join(dest, p[len(s.rstrip("/")) + 1:])
    else:
        target = dest
    return posixpath.normpath(target) + ("/" if path.endswith("/") else "")


def _entry_programs(final) -> list[str]:
    """The programs the final stage's ENTRYPOINT and CMD start (first words, as written)."""
    out = []
    for ins in final.stage.instructions:
        if ins.keyword not in ("ENTRYPOINT", "CMD"):
            continue
        if ins.json_args:
            out.append(ins.json_args[0])
        elif ins.args.strip():
            out.append(ins.args.split()[0])
    return out


def _copy_spec(facts, sf, ins):
    """(source stage index, [(raw, src)], dest) of a `COPY/ADD --from` in `sf`, or None."""
    ref = ins.flag("from").value or ""
    src_stage = facts.dockerfile.stage_by_ref(ref.lower(), before=sf.index)
    if src_stage is None:
        return None
    if sf.windows and ins.json_args is None:  # backslashes are path separators there, not escapes
        from godockerlint.parse.shell import split_words

        words = [w.raw for w in split_words(ins.args)]
        srcs, raw_dest = [_norm(w) for w in words[:-1]], _norm(words[-1] if words else ".")
    else:
        srcs = [_norm(s) for s in copy_sources(ins) if s]
        raw_dest = _norm(copy_destination(ins))
    dest = posixpath.join(_norm(facts.workdir_at(ins)), raw_dest) if not raw_dest.startswith("/") else raw_dest
    dest = dest + "/" if raw_dest.endswith("/") and not dest.endswith("/") else dest
    pairs = [(raw, posixpath.normpath(posixpath.join("/", expand(raw, lambda n: None) if "$" in raw else raw)))
             for raw in srcs]
    return src_stage.index, pairs, dest


def _key(path: str) -> str | None:
    """`path` as the folder-or-file it names, or None when it is not a plain absolute path
    (such a path is compared with every query: its string may match in ways a clean one cannot)."""
    key = path.rstrip("/") or "/"
    return key if key.startswith("/") and not key.startswith("//") and posixpath.normpath(key) == key else None


def _related(a: str, b: str) -> bool:
    """Is one of two keys the other or inside it?"""
    return a == b or b.startswith(a.rstrip("/") + "/") or a.startswith(b.rstrip("/") + "/")


def _near(q: str, path: str) -> bool:
    key = _key(path)
    return key is None or _related(q, key)


class _Present:
    """The go outputs present in a stage, asked by path: which (path, gc) of the stage's files
    (its own builds', its ancestors', and those its COPY --from instructions brought) are the
    query path, inside it or hold it. What the final stage copies is asked, not every stage's
    files built (a COPY --from chain would hold every earlier stage's binaries in each stage:
    quadratic); a query is narrowed through each COPY (a file under the destination is that file
    under the source), stages are found through an index of the paths they write (not a walk
    over a FROM chain per query), and each (stage, path) is answered once, oldest stage first."""

    def __init__(self, facts):
        self.facts = facts
        stages = facts.stages
        self.own: list[list] = []  # stage -> [(path, gc)]: its go builds' outputs
        self.copies: list[list] = []  # stage -> [(source index, [(raw, src)], dest)]
        for sf in stages:
            own, copies = [], []
            runs = {id(r.instruction): r for r in sf.runs}
            for ins in sf.stage.instructions:
                run = runs.get(id(ins))
                if run is not None:
                    for gc in run.go_commands:
                        if gc.subcommand in BINARY_COMMANDS:
                            own += [(p, gc) for p in outputs(gc)]
                elif ins.keyword in ("COPY", "ADD") and ins.flag("from") is not None:
                    spec = _copy_spec(facts, sf, ins)
                    if spec is not None:
                        copies.append(spec)
            self.own.append(own)
            self.copies.append(copies)
        # the FROM tree: a stage's ancestors are those whose DFS interval holds it
        n = len(stages)
        children: list[list[int]] = [[] for _ in range(n)]
        self.depth = [0] * n  # contributions (outputs and copies) in the stage and its ancestors
        for sf in stages:
            mine = len(self.own[sf.index]) + len(self.copies[sf.index])
            if sf.parent is not None:
                children[sf.parent.index].append(sf.index)
                self.depth[sf.index] = self.depth[sf.parent.index] + mine
            else:
                self.depth[sf.index] = mine
        self.tin, self.tout = [0] * n, [0] * n
        clock = 0
        for root in (sf.index for sf in stages if sf.parent is None):
            stack = [(root, False)]
            while stack:
                i, done = stack.pop()
                if done:
                    self.tout[i] = clock
                    continue
                self.tin[i] = clock
                clock += 1
                stack.append((i, True))
                stack.extend((c, False) for c in reversed(children[i]))
        # contributions by the path they write: ("own", stage, entry) or ("copy", stage, spec)
        self.exact: dict[str, list] = {}
        self.inside: dict[str, list] = {}  # folder -> contributions strictly inside it
        self.wild: list = []
        for sf in stages:
            for entry in self.own[sf.index]:
                if entry[0] != ANY:
                    self._index(entry[0], ("own", sf.index, entry))
            for spec in self.copies[sf.index]:
                self._index(spec[2], ("copy", sf.index, spec))
        self.answers: dict[tuple, list] = {}

    def _index(self, path: str, item) -> None:
        key = _key(path)
        if key is None:
            self.wild.append(item)
            return
        self.exact.setdefault(key, []).append(item)
        folder = key
        while folder != "/":
            folder = posixpath.dirname(folder)
            self.inside.setdefault(folder, []).append(item)

    def _chain(self, index: int):
        st = self.facts.stages[index]
        while st is not None:
            yield st.index
            st = st.parent

    def _contributions(self, index: int, q: str) -> list:
        """The outputs and copies of stage `index` and its ancestors that may write at `q`."""
        buckets = [self.wild, self.inside.get(q, ())]
        folder = q if _key(q) == q else "/"  # `//x` (kept by normpath) is compared with every path
        while True:
            buckets.append(self.exact.get(folder, ()))
            if folder == "/":
                break
            folder = posixpath.dirname(folder)
        if sum(map(len, buckets)) < self.depth[index] and _key(q) == q:
            tin = self.tin[index]
            return [item for bucket in buckets for item in bucket
                    if self.tin[item[1]] <= tin < self.tout[item[1]]]
        out = []
        for i in self._chain(index):
            out += [("own", i, e) for e in self.own[i] if e[0] != ANY]
            out += [("copy", i, spec) for spec in self.copies[i]]
        return out

    @staticmethod
    def _narrowed(q: str, raw: str, src: str, dest: str) -> str | None:
        """The source path whose files a COPY of `src` to `dest` lands at or around `q` (None: none)."""
        if any(c in raw for c in "*?["):
            return posixpath.dirname(src)
        d = _key(dest)
        if d is None:
            return src
        if not _related(q, d):
            return None
        if q == d or d.startswith(q.rstrip("/") + "/"):
            return src  # the whole copy lands inside q
        return src.rstrip("/") + "/" + q[len(d.rstrip("/")) + 1:]

    def ask(self, queries) -> None:
        """Answer (stage, path) queries and every query they need: planned newest stage first
        (a query needs only earlier stages), answered oldest first."""
        pending: dict[int, set] = {}
        heap: list[int] = []

        def want(index: int, q: str) -> None:
            if (index, q) in self.answers:
                return
            if index not in pending:
                pending[index] = set()
                heapq.heappush(heap, -index)
            pending[index].add(q)

        for index, q in queries:
            want(index, q)
        plan: dict[tuple, list] = {}
        while heap:
            index = -heapq.heappop(heap)
            for q in pending.pop(index):
                if (index, q) in plan:
                    continue
                items = plan[(index, q)] = self._contributions(index, q)
                for kind, _, it in items:
                    if kind == "copy":
                        for raw, src in it[1]:
                            sub = self._narrowed(q, raw, src, it[2])
                            if sub is not None:
                                want(it[0], sub)
        for (index, q), items in reversed(plan.items()):
            out = []
            for kind, _, it in items:
                if kind == "own":
                    if _near(q, it[0]):
                        out.append(it)
                    continue
                z, pairs, dest = it
                for raw, src in pairs:
                    sub = self._narrowed(q, raw, src, dest)
                    if sub is None:
                        continue
                    for path, gc in self.answers[(z, sub)]:
                        to = _landing(raw, src, path, dest, len(pairs) > 1)
                        if to is not None and _near(q, to):
                            out.append((to, gc))
            self.answers[(index, q)] = out

    def final_gcs(self, final) -> list:
        """The go commands whose outputs are present in the final stage (each once)."""
        found: dict[int, object] = {}
        queries = []
        for i in self._chain(final.index):
            for _, gc in self.own[i]:
                found[id(gc)] = gc
            for z, pairs, _ in self.copies[i]:
                queries += [(z, _asked(raw, src)) for raw, src in pairs]
        self.ask(queries)
        for i in self._chain(final.index):
            for z, pairs, _ in self.copies[i]:
                for raw, src in pairs:
                    for path, gc in self.answers[(z, _asked(raw, src))]:
                        if _landing(raw, src, path, "/", False) is not None:
                            found[id(gc)] = gc
        # an output the analysis cannot place travels with every copy of its stage's files
        seen, stack = set(), [final.index]
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            for path, gc in self.own[i]:
                if path == ANY:
                    found[id(gc)] = gc
            st = self.facts.stages[i]
            if st.parent is not None:
                stack.append(st.parent.index)
            stack += [z for z, pairs, _ in self.copies[i] if any(not src.startswith(NOT_BINARIES) for _, src in pairs)]
        return list(found.values())


def _glob(raw: str) -> bool:
    return any(c in raw for c in "*?[")


def _asked(raw: str, src: str) -> str:
    """The path to ask a source stage for to copy `src`: its folder for a glob."""
    return posixpath.dirname(src) if _glob(raw) else src


def _landing(raw: str, src: str, path: str, dest: str, several: bool) -> str | None:
    """Where a COPY of `src` (written `raw`) to `dest` puts the output `path` (None: it does not take it)."""
    if _glob(raw):
        folder = posixpath.dirname(src)
        if path.startswith(folder.rstrip("/") + "/"):
            return posixpath.join(dest, posixpath.basename(path.rstrip("/")))
        return None
    return _moved(src, path, dest, several) if _covers(src, path) else None


def _runs(programs, names, path: str, gc) -> bool:
    """Does the final's ENTRYPOINT/CMD start the file `path` (a folder: something in it) that `gc` wrote?"""
    if path == ANY:
        return bool(programs) and not _is_tool_install(gc)
    if not path.endswith("/"):
        return posixpath.basename(path) in names
    folder = path.rstrip("/")
    for prog in programs:
        if prog.endswith((".sh", ".py", ".bash")) or "$" in prog:
            continue
        if "/" not in prog or posixpath.dirname(posixpath.normpath(posixpath.join(_cwd(gc), prog))) == folder:
            return True
    return False


def shipped_builds(facts) -> list:
    """The go build/install commands whose binaries reach the final image, in file order (computed once)."""
    got = facts.__dict__.get("_shipped")
    if got is None:
        got = facts.__dict__["_shipped"] = _shipped_builds(facts)
    return got


def _shipped_builds(facts) -> list:
    final = facts.final
    present = _Present(facts).final_gcs(final)
    own = {id(g) for st in facts.final_chain for g in st.go_commands}
    programs = _entry_programs(final)
    names = {posixpath.basename(p) for p in programs}
    out, seen = [], set()
    for gc in present:
        if id(gc) in seen:
            continue
        if id(gc) in own and not any(_runs(programs, names, p, gc) for p in outputs(gc)):
            continue  # built in the image itself, but not what it runs (a tool, a CI or test image)
        seen.add(id(gc))
        out.append(gc)
    out.sort(key=lambda g: (g.instruction.index, g.span.start))
    return out


def ships(gc) -> bool:
    facts = gc.run.facts
    ids = facts.__dict__.get("_shipped_ids")
    if ids is None:
        ids = facts.__dict__["_shipped_ids"] = {id(g) for g in shipped_builds(facts)}
    return id(gc) in ids

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
    cwd = _norm(gc.run.workdir)
    for cmd, _, _ in gc.run.commands:
        if cmd is gc.command:
            break
        if cmd.name == "cd" and len(cmd.words) > 1:
            to = cmd.words[1].value
            if "$" in to or to == "-":
                return ANY
            cwd = posixpath.normpath(posixpath.join(cwd, _norm(to)))
    return cwd


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


def _table(facts) -> dict[int, list]:
    """stage index -> [(path or ANY, gc)]: the go outputs present in that stage."""
    got = facts.__dict__.get("_artifacts")
    if got is not None:
        return got
    df = facts.dockerfile
    table: dict[int, list] = {}
    for sf in facts.stages:
        here = list(table.get(sf.parent.index, [])) if sf.parent is not None else []
        anys = {id(g) for p, g in here if p == ANY}  # (ANY, gc) already present: a set, not a scan of `here`
        runs = {id(r.instruction): r for r in sf.runs}
        for ins in sf.stage.instructions:
            run = runs.get(id(ins))
            if run is not None:
                for gc in run.go_commands:
                    if gc.subcommand in BINARY_COMMANDS:
                        here += [(p, gc) for p in outputs(gc)]
                continue
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is None:
                continue
            ref = ins.flag("from").value or ""
            src_stage = df.stage_by_ref(ref.lower(), before=sf.index)
            if src_stage is None:
                continue
            if sf.windows and ins.json_args is None:  # backslashes are path separators there, not escapes
                from godockerlint.parse.shell import split_words

                words = [w.raw for w in split_words(ins.args)]
                srcs, raw_dest = [_norm(w) for w in words[:-1]], _norm(words[-1] if words else ".")
            else:
                srcs = [_norm(s) for s in copy_sources(ins) if s]
                raw_dest = _norm(copy_destination(ins))
            dest = posixpath.join(_norm(facts.workdir_at(ins)), raw_dest) if not raw_dest.startswith("/") else raw_dest
            dest = dest + "/" if raw_dest.endswith("/") and not dest.endswith("/") else dest
            for path, gc in table.get(src_stage.index, []):
                for raw in srcs:
                    src = posixpath.normpath(posixpath.join("/", expand(raw, lambda n: None) if "$" in raw else raw))
                    if path == ANY:
                        if not src.startswith(NOT_BINARIES) and id(gc) not in anys:
                            anys.add(id(gc))
                            here.append((ANY, gc))
                        continue
                    if any(c in raw for c in "*?["):
                        folder = posixpath.dirname(src)
                        if path.startswith(folder.rstrip("/") + "/"):
                            here.append((posixpath.join(dest, posixpath.basename(path.rstrip("/"))), gc))
                        continue
                    if _covers(src, path):
                        here.append((_moved(src, path, dest, len(srcs) > 1), gc))
        table[sf.index] = here
    facts.__dict__["_artifacts"] = table
    return table


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
    present = _table(facts).get(final.index, [])
    own = {id(g) for st in [final] + final.ancestors for g in st.go_commands}
    programs = _entry_programs(final)
    names = {posixpath.basename(p) for p in programs}
    out, seen = [], set()
    for path, gc in present:
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

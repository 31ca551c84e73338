"""What the final image needs at run time: computed once per file (`Facts.final_needs`).

GDL401 (which base, which severity, which rewrite), GDL403 (privilege drop,
privileged ports), GDL405 and the whole-file rewrite all ask the same
questions about the final stage; this module answers them once:

- which binaries the final stage runs and where they come from: `go build -o`,
  `go install` into GOBIN or `$GOPATH/bin`, `go build` without `-o` (named
  after the package directory, or in module mode after the last element of the
  module path: known only with the context's go.mod);
- what the running image needs beyond a static binary: a shell (shell-form
  CMD/ENTRYPOINT, an entrypoint script, no CMD at all on a base whose default
  command is a shell), packages installed for run time, privilege-drop tools
  (su-exec, gosu, s6), tools such as git or ssh, the toolchain itself (`go run`
  or `go test` at start; test, lint, CI and dev images);
- the cgo decision of the builds that feed it (CGO_ENABLED=1; a C toolchain in
  the builder with CGO_ENABLED unset, since native builds then default to cgo
  on; `import "C"` in the context; modules known to need cgo) and the builder's
  libc;
- the ports it exposes and whether it runs as root.

Rules read these facts; they never re-derive them. The binaries are found by
binaries.py, the cgo decision is cgo.py's.
"""

from __future__ import annotations

import os
import posixpath
import re

from godockerlint.analysis.binaries import BINARY_COMMANDS, Binary, binaries
from godockerlint.analysis.cgo import Cgo, _opaque_cgo, cgo_of
from godockerlint.core.record import Record

CERT_PACKAGES = frozenset({"ca-certificates", "tzdata", "ca-certificates-bundle"})
PRIVILEGE_DROP = ("su-exec", "gosu", "s6-overlay", "s6", "s6-setuidgid", "setpriv", "chpst")
RUNTIME_TOOLS = ("git", "openssh", "openssh-client", "ssh", "rsync")
# packages a toolchain stage installs to build (not what the program runs with)
BUILD_PACKAGES = frozenset({
    "git", "make", "gcc", "g++", "build-base", "build-essential", "musl-dev", "libc-dev", "libc6-dev", "binutils",
    "mercurial", "bzr", "subversion", "curl", "wget", "openssh-client", "openssh", "upx", "ca-certificates", "tzdata",
    "bash", "go", "golang", "golang-go", "pkgconfig", "pkgconf", "pkg-config", "protobuf", "protobuf-dev",
    "protoc", "unzip", "tar", "gzip", "xz", "file", "linux-headers", "clang", "llvm", "cmake", "autoconf",
    "automake", "libtool", "gcc-c++", "glibc-static",
})
GO_PACKAGES = frozenset({"go", "golang", "golang-go", "golang-bin"})
TOOLCHAIN_PURPOSE_NAMES = frozenset({"test", "tests", "lint", "linter", "ci", "dev", "develop", "development",
                                     "check", "unittest", "debug", "devcontainer", "tools"})
# dev servers that watch the sources and rebuild them with the image's go at run time
LIVE_RELOAD = frozenset({"air", "CompileDaemon", "reflex", "modd", "gow"})
INSTALL = {"apk": ("add",), "apt-get": ("install",), "apt": ("install",), "yum": ("install",),
           "dnf": ("install",), "microdnf": ("install",), "zypper": ("install", "in"), "tdnf": ("install",)}
REMOVE = {"apk": ("del",), "apt-get": ("remove", "purge", "autoremove"), "apt": ("remove", "purge"),
          "yum": ("remove", "erase"), "dnf": ("remove",), "microdnf": ("remove",), "zypper": ("remove", "rm")}
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
class FinalNeeds(Record):
    __slots__ = ("stage", "runs_go", "ships_toolchain", "binaries", "binary_notes", "entry", "entry_ins",
                 "needs", "purpose", "privilege_drop", "packages", "cgo", "ports", "runs_as_root", "has_workdir",
                 "user_ins")
    _no_repr = ("stage",)

    def __init__(self, stage, runs_go: bool = False, ships_toolchain: bool = False) -> None:
        self.stage = stage  # the final StageFacts
        self.runs_go = runs_go
        self.ships_toolchain = ships_toolchain  # a toolchain image, or go installed and not removed
        self.binaries: list[Binary] = []  # for a toolchain final: what its builds produce
        self.binary_notes: list[str] = []  # why a binary is not known (one clause each)
        self.entry: list[str] | None = None  # the argv the container starts (None: shell form or none)
        self.entry_ins = None  # the CMD/ENTRYPOINT that starts it
        self.needs: list[str] = []  # what moving to distroless would need, one clause each
        self.purpose: str | None = None  # why the image is the toolchain on purpose (test/lint/CI image)
        self.privilege_drop: str | None = None  # su-exec/gosu/s6: starts as root by design
        self.packages: list[str] = []  # run-time packages installed in the final stage
        self.cgo = Cgo()
        self.ports: list[int] = []  # EXPOSEd ports (numbers only)
        self.runs_as_root = True
        self.has_workdir = False  # a WORKDIR in the final stage's chain
        self.user_ins = None  # the USER in effect (the last one of the chain)

    @property
    def privileged_ports(self) -> list[int]:
        return [p for p in self.ports if 0 < p < 1024]

    @property
    def static_binary_only(self) -> bool:
        """Nothing but the Go binary (and CA certificates/tzdata) is needed at run time."""
        return not self.needs and self.purpose is None


# -- the facts ----------------------------------------------------------------------------
def compute(facts) -> FinalNeeds:
    final = facts.final
    chain = facts.final_chain
    needs = FinalNeeds(final, runs_go=final.runs_go_binary)
    installs, removed = _packages(facts, chain)
    go_installed = any(p in GO_PACKAGES for p, _ in installs)
    go_removed = go_installed and all(p in removed for p, _ in installs if p in GO_PACKAGES)
    needs.ships_toolchain = final.toolchain_base or (final.is_go and not go_removed)
    toolchain_final = final.is_go
    needs.has_workdir = any(i.keyword == "WORKDIR" for st in chain for i in st.stage.instructions)
    if toolchain_final:
        needs.binaries = binaries(facts, final, needs.binary_notes)
        build_cmds = [gc for st in chain for gc in st.go_commands if gc.subcommand in BINARY_COMMANDS]
    else:
        builders = builder_stages(facts)
        from godockerlint.analysis.artifacts import shipped_builds

        # the builds whose binaries the image gets decide cgo (not a tool the build runs, `swag@v1`)
        build_cmds = [gc for gc in shipped_builds(facts) if gc.subcommand in BINARY_COMMANDS] or list(
            _builders_commands(builders))
    needs.cgo = cgo_of(facts, build_cmds)
    if not toolchain_final and not build_cmds:
        needs.cgo = _opaque_cgo(facts, builders)
    # packages the running image keeps
    for pkg, line in installs:
        if pkg in removed or pkg in CERT_PACKAGES or pkg in GO_PACKAGES:
            continue
        if toolchain_final and pkg in BUILD_PACKAGES:
            continue
        name = pkg.split("=", 1)[0]
        if any(name == t or name.startswith(t + "-") for t in PRIVILEGE_DROP):
            needs.privilege_drop = needs.privilege_drop or name
        if name not in needs.packages:
            needs.packages.append(name)
    _entry(facts, chain, needs)
    _ports_and_user(chain, final, needs)
    _needs(facts, chain, final, needs, toolchain_final)
    return needs


def builder_stages(facts) -> list:
    """Stages (other than the final one) whose files the final stage (or its chain) copies with COPY --from."""
    final = facts.final
    df = facts.dockerfile
    out = []
    seen: set[int] = set()
    for st in facts.final_chain:
        for ins in st.stage.instructions:
            if ins.keyword not in ("COPY", "ADD"):
                continue
            ref = ins.flag("from")
            if ref is None or not ref.value:
                continue
            found = df.stage_by_ref(ref.value, before=st.index)
            if found is not None and found.index != final.index and found.index not in seen:
                seen.add(found.index)
                out.append(facts.stages[found.index])
    return out


def binary_commands(stage):
    for st in list(reversed(stage.ancestors)) + [stage]:
        for gc in st.go_commands:
            if gc.subcommand in BINARY_COMMANDS:
                yield gc


def _builders_commands(builders):
    """binary_commands of each builder in turn, each command once: a builder's chain is walked up
    to the first stage an earlier builder's walk saw (all its ancestors were seen with it), not to
    its root: builders along one FROM chain must not cost O(stages²). A command repeated later
    could not change the cgo decision, which its first occurrence already made."""
    seen: set[int] = set()
    for stage in builders:
        fresh, st = [], stage
        while st is not None and st.index not in seen:
            seen.add(st.index)
            fresh.append(st)
            st = st.parent
        for st in reversed(fresh):
            for gc in st.go_commands:
                if gc.subcommand in BINARY_COMMANDS:
                    yield gc


def _packages(facts, chain) -> tuple[list[tuple[str, int]], set[str]]:
    """(packages installed, with their line; packages removed in the RUN that installed them)."""
    installs: list[tuple[str, int]] = []
    removed: set[str] = set()
    for st in chain:
        for run in st.runs:
            here: set[str] = set()
            for cmd, _, _ in run.commands:
                words = [w.value for w in cmd.words]
                if not words:
                    continue
                prog = words[0].rsplit("/", 1)[-1]
                args = [w for w in words[1:] if not w.startswith("-")]
                if prog in INSTALL and args[:1] and args[0] in INSTALL[prog]:
                    for p in args[1:]:
                        p = re.split(r"[=<>~]", p, 1)[0]
                        if p and "$" not in p:
                            installs.append((p, run.instruction.line))
                            here.add(p)
                elif prog in REMOVE and args[:1] and args[0] in REMOVE[prog]:
                    removed.update(p for p in args[1:] if p in here)
                elif prog == "rm" and any(a.rstrip("/") == "/usr/local/go" for a in args):
                    removed.update(p for p in here if p in GO_PACKAGES)
    return installs, removed


def _entry(facts, chain, needs: FinalNeeds) -> None:
    entrypoint = cmd = None
    for st in chain:
        for ins in st.stage.instructions:
            if ins.keyword == "ENTRYPOINT":
                entrypoint, cmd = ins, None  # an ENTRYPOINT resets the CMD given before it
            elif ins.keyword == "CMD":
                cmd = ins
    first = entrypoint or cmd
    needs.entry_ins = first
    if first is None:
        return
    if not first.is_json:
        return
    argv = list(first.json_args or [])
    if entrypoint is not None and cmd is not None and cmd.is_json:
        argv += list(cmd.json_args or [])
    needs.entry = argv


def _ports_and_user(chain, final, needs: FinalNeeds) -> None:
    from godockerlint.analysis.baseimage import nonroot_by_default  # noqa: PLC0415

    for st in chain:
        for ins in st.stage.instructions:
            if ins.keyword == "USER":
                needs.user_ins = ins
            if ins.keyword == "EXPOSE":
                for word in ins.args.split():
                    m = re.match(r"^(\d+)(?:-\d+)?(?:/\w+)?$", word)
                    if m:
                        needs.ports.append(int(m.group(1)))
    user = final.user
    if user is not None:
        uid = user.split(":", 1)[0].strip()
        needs.runs_as_root = uid in ("root", "0", "")
    else:
        needs.runs_as_root = not nonroot_by_default(final.root_base)


def _needs(facts, chain, final, needs: FinalNeeds, toolchain_final: bool) -> None:
    out = needs.needs
    ins = needs.entry_ins
    base_has_shell = final.family not in ("scratch", "distroless") and final.libc is not None or toolchain_final
    if ins is None:
        if toolchain_final:
            needs.purpose = "it has no CMD or ENTRYPOINT: a build, test or CI image"
        elif base_has_shell and final.family != "other":
            out.append(f"a command: without CMD or ENTRYPOINT the image runs {final.root_base}'s shell")
    elif not ins.is_json:
        out.append(f"a shell for the shell-form {ins.keyword} on line {ins.line}")
    else:
        argv = needs.entry or []
        prog = posixpath.basename(argv[0]) if argv else ""
        if prog in SHELLS:
            out.append(f"a shell (`{prog}` in the {ins.keyword} on line {ins.line})")
        elif prog == "go" and len(argv) > 1:
            what = argv[1]
            if what in ("test", "vet"):
                needs.purpose = f"it runs `go {what}` at start"
            else:
                out.append(f"the Go toolchain for `go {what}` at start")
        elif prog in ("golangci-lint", "staticcheck", "golint", "gotestsum"):
            needs.purpose = f"it runs {prog}"
        elif prog in LIVE_RELOAD and toolchain_final:
            needs.purpose = f"it runs {prog}, a live-reload dev tool that rebuilds with the toolchain"
        elif argv and _is_script(facts, chain, argv[0]):
            out.append(f"a shell for the entrypoint script {argv[0]}")
        if prog in PRIVILEGE_DROP or any(posixpath.basename(a) in PRIVILEGE_DROP for a in argv[:3]):
            needs.privilege_drop = needs.privilege_drop or next(
                posixpath.basename(a) for a in argv[:3] if posixpath.basename(a) in PRIVILEGE_DROP)
        if needs.privilege_drop is None and argv:
            tool = _script_drops_privileges(facts, chain, argv[0])
            if tool:
                needs.privilege_drop = tool
    name = (final.stage.name or "").lower()
    if toolchain_final and needs.purpose is None and set(re.split(r"[-_.]", name)) & TOOLCHAIN_PURPOSE_NAMES:
        needs.purpose = f"its stage is named {final.stage.name}"
    if toolchain_final and needs.purpose is None and "golangci" in final.root_base.lower():
        needs.purpose = "it is a golangci-lint image"
    if not toolchain_final:
        shell_runs, exec_runs = [], []
        for st in chain:
            for run in st.runs:
                ins_run = run.instruction
                if installs_only_certs(facts, ins_run) or (_installs_packages(run) and needs.packages):
                    continue
                if ins_run.is_json and ins_run.json_args and posixpath.basename(ins_run.json_args[0]) not in SHELLS:
                    exec_runs.append(f"{posixpath.basename(ins_run.json_args[0])} for the RUN on line {ins_run.line}")
                else:
                    shell_runs.append(str(ins_run.line))
        if shell_runs:
            out.append(f"a shell for the RUN on line {shell_runs[0]}" if len(shell_runs) == 1 else
                       f"a shell for the RUNs on lines {', '.join(shell_runs)}")
        out.extend(exec_runs)
        for st in chain:
            for hc in st.stage.instructions:
                if hc.keyword == "HEALTHCHECK" and hc.args.strip().upper() != "NONE" and not re.search(
                        r"\bCMD\s*\[", hc.args):
                    out.append(f"a shell for the HEALTHCHECK on line {hc.line}")
    tools = [p for p in needs.packages if p in RUNTIME_TOOLS]
    if needs.privilege_drop:
        out.append(f"the privilege-drop tool {needs.privilege_drop}")
    other = [p for p in needs.packages if p not in tools and not p.startswith(needs.privilege_drop or "\0")]
    if other:
        out.append("the run-time packages " + ", ".join(other[:6]) + (", ..." if len(other) > 6 else ""))
    if tools:
        out.append(f"{' and '.join(tools)} at run time")


def installs_only_certs(facts, ins) -> bool:
    """A RUN that only installs CA certificates and time zones (which distroless images ship)."""
    run = facts.run_of(ins)
    if run is None or not run.commands or ins.is_json or ins.heredocs:
        return False
    installed = False
    for cmd, _, _ in run.commands:
        words = [w.value for w in cmd.words]
        if not words or cmd.assignments:
            return False
        prog = words[0].rsplit("/", 1)[-1]
        args = [w for w in words[1:] if not w.startswith("-")]
        if prog in INSTALL and args[:1] and args[0] in INSTALL[prog]:
            if not args[1:] or not set(args[1:]) <= CERT_PACKAGES:
                return False
            installed = True
        elif prog in ("apt-get", "apt") and args == ["update"] or prog == "update-ca-certificates":
            continue
        elif prog == "rm" and all(a.startswith(("/var/lib/apt/lists", "/var/cache/apk")) for a in args):
            continue
        else:
            return False
    return installed


def _installs_packages(run) -> bool:
    for cmd, _, _ in run.commands:
        words = [w.value for w in cmd.words]
        prog = words[0].rsplit("/", 1)[-1] if words else ""
        args = [w for w in words[1:] if not w.startswith("-")]
        if prog in INSTALL and args[:1] and args[0] in INSTALL[prog]:
            return True
    return False


def _is_script(facts, chain, path: str) -> bool:
    if path.endswith((".sh", ".bash")):
        return True
    src = _context_source_of(facts, chain, path)
    if src is None:
        return False
    try:
        with open(src, "rb") as fh:
            return fh.read(2) == b"#!"
    except OSError:
        return False


def _script_drops_privileges(facts, chain, path: str) -> str | None:
    src = _context_source_of(facts, chain, path)
    if src is None:
        return None
    try:
        with open(src, "rb") as fh:
            head = fh.read(65536).decode("utf-8", "replace")
    except OSError:
        return None
    if not head.startswith("#!"):
        return None
    for tool in PRIVILEGE_DROP:
        if re.search(rf"(^|[\s/;&|]){re.escape(tool)}\s", head, re.M):
            return tool
    return None


def _context_source_of(facts, chain, path: str) -> str | None:
    """The context file a COPY (without --from) put at `path` in the final image, if any."""
    from godockerlint.analysis.words import copy_destination, copy_sources

    ctx = facts.context
    if ctx is None:
        return None
    for st in reversed(chain):
        for ins in reversed(st.stage.instructions):
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or ins.heredocs:
                continue
            srcs = copy_sources(ins)
            dest = posixpath.join(facts.workdir_at(ins), copy_destination(ins))
            target = posixpath.normpath(posixpath.join(facts.workdir_at(ins), path))
            for s in srcs:
                if "$" in s or any(c in s for c in "*?["):
                    continue
                placed = posixpath.normpath(dest if not copy_destination(ins).endswith("/") and len(srcs) == 1
                                            else posixpath.join(dest, posixpath.basename(s)))
                if placed == target or "/" not in path and posixpath.basename(placed) == path:  # on PATH
                    full = os.path.join(str(ctx.root), s.lstrip("/"))
                    return full if os.path.isfile(full) else None
    return None
